"""./mpo4j jshell fed a script: checks what a JShell user sees (issue 14, items 14-17). Stdlib only.

Run by kernel/run-jshell-test.sh (from ./mpo4j test). Each check prints PASS/FAIL/XFAIL; exit 1 on a FAIL.
XFAIL marks a check that needs a toolkit change still pending (see PENDING): it is reported, not failed,
and turns into "XPASS, remove it from PENDING" once the toolkit does it.
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "datasets-sample")

# Checks that wait for a toolkit change, with the change they wait for.
PENDING = {
}

SCRIPT = r"""
var data = dataset("{sample}/shapes/meta.json").seed(42).shuffle().split(0.9)
var wide = tech.tablesaw.api.Table.create("wide", tech.tablesaw.api.StringColumn.create("question_text_column", "what colour is the square on the left", "how many circles"), tech.tablesaw.api.DoubleColumn.create("reward_margin_column", new double[] {{0.125, -2.5}}))
System.out.println("BEGIN-DISPLAY")
display(wide)
System.out.println("END-DISPLAY")
List<Class<?>> named = List.of(TrainRun.class, TinyVlm.class, TinyVlmConfig.class, PreferencePair.class, PreferenceTrainer.class, LiveTraining.class, RewardModel.class, Curves.class, PreferenceLoss.class, InternVlCollator.class, Tokenizer.class)
System.out.println("NAMED " + named.stream().map(Class::getSimpleName).toList())
int len(String s) {{ return s.length(); }}
len(null)
var tok = tokenizer("{sample}/tokenizer")
var pairs = dataset("{sample}/shapes/meta.json").seed(42).shuffle().take(8).toList()
var base = TinyVlmConfig.tinyVlm().withTokenizerIds((int) tok.imageContextId(), (int) tok.imageStartId(), (int) tok.imageEndId(), (int) tok.padId(), (int) tok.imEndId())
var config = base.withText(base.text().withLayers(1).withSize(32, 2, 64)).withVision(base.vision().withLayers(1).withWidth(32, 2, 64))
var model = TinyVlm.builder(config).seed(42).build()
var collator = collator(tok).tileSize(64).tokensPerTile(config.tokensPerTile()).maxTiles(1).thumbnail(false).maxSeqLength(256).seed(42)
System.out.println("BEGIN-TRAIN")
var run = sftTrainer(model).data(pairs).collator(collator).batchSize(4).lr(1e-3).epochs(1).seed(42).fit()
System.out.println("END-TRAIN " + run.steps() + "/" + run.totalSteps())
/exit
""".format(sample=SAMPLE)


def between(text, start, end):
    i = text.find(start)
    j = text.find(end, i + 1)
    return text[i + len(start):j] if i >= 0 and j > i else ""


def main():
    env = dict(os.environ)
    env.setdefault("MPO4J_XMX", "2g")
    t0 = time.time()
    proc = subprocess.run([os.path.join(ROOT, "mpo4j"), "jshell"], input=SCRIPT, text=True, capture_output=True,
                          cwd=ROOT, env=env, timeout=300)
    out = proc.stdout + proc.stderr
    print("jshell-transcript: ran ./mpo4j jshell in %.0f s (exit %d)" % (time.time() - t0, proc.returncode))
    results = []

    def check(name, ok, detail):
        if name in PENDING:
            results.append(("XPASS" if ok else "XFAIL", name, "remove it from PENDING" if ok else PENDING[name]))
        else:
            results.append(("PASS" if ok else "FAIL", name, "" if ok else detail))

    # 17: the start-up script imports the types a user names (a missing one is a compile error).
    check("startup-imports", "NAMED [TrainRun, TinyVlm, TinyVlmConfig, PreferencePair, PreferenceTrainer, LiveTraining,"
          " RewardModel, Curves, PreferenceLoss, InternVlCollator, Tokenizer]" in out and "Error:" not in out.split("len(null)")[0],
          "the start-up did not import every type, or printed an error:\n" + out[:3000])
    # 14: values are not truncated: the split shows both parts, the table all its rows.
    data_line = out[out.find("data ==> "):]
    check("no-truncation", "data ==> " in out and " ... " not in data_line[:data_line.find("jshell>")]
          and "eval" in data_line[:data_line.find("jshell>")],
          "the Split value was truncated or missing: " + data_line[:400])
    wide_value = between(out, "wide ==> ", "jshell>")
    check("table-value-whole", "reward_margin_column" in wide_value and "how many circles" in wide_value
          and "-2.5" in wide_value, "the table value was cut: %r" % wide_value)
    # 16: display(x) prints the value's text and does not echo the handle.
    shown = between(out, "BEGIN-DISPLAY", "END-DISPLAY")
    check("display-prints-text", "how many circles" in shown and "-2.5" in shown, "display(table) printed %r" % shown)
    check("display-no-handle-echo", not re.search(r"\$\d+ ==> display [0-9a-f-]{36}", out),
          "display(...) echoed its handle: " + shown)
    # issue item 3 in JShell: helpful NullPointerException messages name parameters.
    check("npe-names-parameter", 'because "s" is null' in out, "no parameter name in the NPE: " +
          between(out, "len(null)", "jshell>")[:300])
    # 15: training shows progress in JShell.
    train = between(out, "BEGIN-TRAIN", "END-TRAIN")
    ended = re.search(r"END-TRAIN (\d+)/(\d+)", out)
    check("training-ran", ended is not None and ended.group(1) == ended.group(2) == "2",
          "the 8-pair run of batch 4 should end at 2/2 steps: " + out[-2000:])
    check("progress", re.search(r"\[[#.]+\] *[12]/2", train) is not None, "no progress bar while training: %r" % train[:500])

    # issue 16: the launcher made this build's start-up archives, and a JVM accepts them (-Xshare:on refuses
    # to start with an archive that does not fit its JDK and class path, instead of ignoring it).
    if env.get("MPO4J_CDS", "1") != "0":
        cds = os.path.join(ROOT, "toolkit", "target", "cds")
        names = sorted(os.listdir(cds)) if os.path.isdir(cds) else []
        newest = lambda prefix: sorted((n for n in names if n.startswith(prefix) and n.endswith(".jsa")),
                                       key=lambda n: os.path.getmtime(os.path.join(cds, n)))[-1:]
        tool, remote = newest("jshell-tool-"), newest("jshell-remote-")
        accepted = len(tool) == 1 and len(remote) == 1
        detail = "archives in %s: %s" % (cds, names)
        if accepted:
            target = os.path.join(ROOT, "toolkit", "target")
            with open(os.path.join(target, "classpath.txt")) as f:
                class_path = os.path.join(target, "mpo4j-toolkit-0.1.0-SNAPSHOT.jar") + ":" + f.read().strip()
            for archive, cp in ((tool[0], []), (remote[0], ["-cp", class_path])):
                jvm = subprocess.run(["java", "-Xshare:on", "-XX:SharedArchiveFile=" + os.path.join(cds, archive)] + cp
                                     + ["-version"], capture_output=True, text=True)
                if jvm.returncode != 0:
                    accepted = False
                    detail = "%s refused: %s" % (archive, (jvm.stdout + jvm.stderr)[:500])
        check("cds-archives", accepted, detail)

    failed = 0
    for status, name, detail in results:
        print("jshell-transcript: %s %s%s" % (status, name, (": " + detail) if detail else ""))
        failed += status == "FAIL"
    if failed:
        print("jshell-transcript: --- transcript ---\n" + out, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
