// Class-data sharing warm-up, run once per build by ./mpo4j jshell and by the kernel's install (never by a
// user): it does what a first session does (read the embedded sample, load its tokenizer, collate a batch,
// show the values) so that the classes this loads go into the start-up archives under target/cds/. Later
// sessions map those classes instead of loading and verifying them again. (Building a model and training
// were left out: they made the archives 6 s slower to make and a first training cell no faster, since the
// engine's native library load dominates it.) The launcher runs this after startup.jsh with mpo4j.home
// set; a line that stops compiling only makes the archive smaller, never a session wrong.
var cdsHome = System.getProperty("mpo4j.home", ".");
var cdsData = dataset(cdsHome + "/datasets-sample/shapes/meta.json").seed(42);
var cdsPairs = cdsData.shuffle().take(2).toList();
var cdsTok = tokenizer(cdsHome + "/datasets-sample/tokenizer");
var cdsBatch = collator(cdsTok).tileSize(64).tokensPerTile(16).maxTiles(6).collate(cdsPairs);
String.valueOf(cdsData).length() + String.valueOf(cdsPairs.get(0)).length() + String.valueOf(cdsBatch).length()
