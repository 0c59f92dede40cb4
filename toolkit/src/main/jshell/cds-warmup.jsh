// Class-data sharing warm-up, run once per build by ./mpo4j jshell and by the kernel's install (never by a
// user): it does what a first session does (read the embedded sample, load its tokenizer, collate a batch,
// build a tiny model, take one training step) so that the classes this loads go into the start-up
// archives under target/cds/. Later sessions map those classes instead of loading and verifying them.
// The launcher runs it after startup.jsh and sets mpo4j.home; a line that stops compiling only makes
// the archive smaller, never a session wrong.
var cdsHome = System.getProperty("mpo4j.home", ".");
var cdsPairs = dataset(cdsHome + "/datasets-sample/shapes/meta.json").seed(42).shuffle().take(2).toList();
var cdsTok = tokenizer(cdsHome + "/datasets-sample/tokenizer");
var cdsBase = TinyVlmConfig.tinyVlm().withTokenizerIds((int) cdsTok.imageContextId(), (int) cdsTok.imageStartId(), (int) cdsTok.imageEndId(), (int) cdsTok.padId(), (int) cdsTok.imEndId());
var cdsConfig = cdsBase.withText(cdsBase.text().withLayers(1).withSize(32, 2, 64)).withVision(cdsBase.vision().withLayers(1).withWidth(32, 2, 64));
var cdsCollator = collator(cdsTok).tileSize(64).tokensPerTile(cdsConfig.tokensPerTile()).maxTiles(1).thumbnail(false).maxSeqLength(256).seed(42);
var cdsBatch = cdsCollator.collate(cdsPairs);
var cdsModel = TinyVlm.builder(cdsConfig).seed(42).build();
var cdsRun = sftTrainer(cdsModel).data(cdsPairs).collator(cdsCollator).batchSize(2).lr(1e-3).epochs(1).seed(42).fit();
String.valueOf(cdsRun).length() + String.valueOf(cdsBatch).length()
