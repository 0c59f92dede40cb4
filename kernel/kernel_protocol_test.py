"""Talks to the mpo4j kernel through jupyter_client, as a notebook front end does (issue 14, items 1-2).

Run by kernel/run-notebook-tests.sh after it installed the kernelspec (python3-jupyter-client). Checks:
  interrupt   a real training cell (sftTrainer on the sample shapes, live display, a listener printing
              every step) is interrupted after step 3: the trainer stops after its current step, the cell
              ends with CellInterrupted (not a forced stop), the kernel stays busy until then, the printed
              steps and the live view agree with run.steps(), the next cell can read the run and shows no
              leftover text, and the kernel is still alive.
  abort       after an error, execute requests already queued are answered "aborted" (stop_on_error), and
              run again once the error has been dealt with; without stop_on_error they run.
Prints PASS/FAIL per check; exit 1 on a failure.
"""
import os
import queue
import re
import sys
import time

from jupyter_client.manager import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "datasets-sample")
NAME = os.environ.get("MPO4J_KERNEL_NAME", "mpo4j")
GRACE_S = 10  # the kernel's default interrupt grace period before a forced stop

SETUP = """
var tok = tokenizer("{sample}/tokenizer");
var pairs = dataset("{sample}/shapes/meta.json").seed(42).shuffle().take(384).toList();
var base = TinyVlmConfig.tinyVlm().withTokenizerIds((int) tok.imageContextId(), (int) tok.imageStartId(),
        (int) tok.imageEndId(), (int) tok.padId(), (int) tok.imEndId());
var config = base.withText(base.text().withLayers(2).withSize(128, 2, 256))
        .withVision(base.vision().withLayers(1).withWidth(64, 2, 128));
var model = TinyVlm.builder(config).seed(42).build();
var collator = collator(tok).tileSize(64).tokensPerTile(config.tokensPerTile()).maxTiles(1).thumbnail(false)
        .maxSeqLength(512).seed(42);
""".format(sample=SAMPLE)

# 384 pairs in batches of 8: 48 steps, far more than the test lets it run.
TRAIN = """
var run = sftTrainer(model).data(pairs).collator(collator).batchSize(8).lr(5e-3).epochs(1).seed(42)
        .listener(LiveTraining.show("SFT"))
        .listener(new TrainListener() {
            public void onStep(TrainListener.Progress p) { System.out.println("step " + p.step()); }
        })
        .fit();
run
"""
TOTAL = 48

failures = []


def check(name, ok, detail=""):
    print("kernel-protocol: %s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": " + detail))
    if not ok:
        failures.append(name)


def plain(msg):
    return msg["content"].get("data", {}).get("text/plain", "")


def run_cell(kc, code, timeout=300, **kw):
    """Executes code; returns (reply content, iopub messages of this request)."""
    msg_id = kc.execute(code, **kw)
    return collect(kc, msg_id, timeout)


def collect(kc, msg_id, timeout):
    deadline = time.time() + timeout
    reply = None
    msgs = []
    idle = False
    while not (reply and idle):
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError("no reply/idle for %s within %s s" % (msg_id, timeout))
        if reply is None:
            try:
                r = kc.get_shell_msg(timeout=0.05)
                if r["parent_header"].get("msg_id") == msg_id:
                    reply = r["content"]
            except queue.Empty:
                pass
        try:
            m = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            continue
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            idle = True
    return reply, msgs


def test_interrupt(km, kc):
    reply, _ = run_cell(kc, SETUP)
    check("setup cell runs", reply["status"] == "ok", str(reply))

    msg_id = kc.execute(TRAIN)
    printed = ""
    seen_at_interrupt = None
    t_interrupt = None
    updates = []
    statuses_after = []
    result = None
    reply = None
    idle = False
    deadline = time.time() + 600
    while not (reply and idle) and time.time() < deadline:
        if reply is None:
            try:
                r = kc.get_shell_msg(timeout=0.02)
                if r["parent_header"].get("msg_id") == msg_id:
                    reply = r["content"]
                    t_reply = time.time()
            except queue.Empty:
                pass
        try:
            m = kc.get_iopub_msg(timeout=0.02)
        except queue.Empty:
            continue
        parent = m["parent_header"].get("msg_id")
        kind = m["msg_type"]
        if kind == "status" and t_interrupt is not None and reply is None:
            statuses_after.append((m["content"]["execution_state"], parent == msg_id))
        if parent != msg_id:
            continue
        if kind == "stream":
            printed += m["content"]["text"]
            steps = [int(s) for s in re.findall(r"^step (\d+)$", printed, re.M)]
            if t_interrupt is None and steps and max(steps) >= 3:
                seen_at_interrupt = max(steps)
                t_interrupt = time.time()
                km.interrupt_kernel()
        elif kind in ("display_data", "update_display_data"):
            updates.append(plain(m))
        elif kind == "execute_result":
            result = plain(m)
        elif kind == "status" and m["content"]["execution_state"] == "idle":
            idle = True

    check("interrupt was sent after step 3", seen_at_interrupt is not None, "printed: %r" % printed[-300:])
    if seen_at_interrupt is None:
        return
    check("the interrupted cell replies CellInterrupted",
          reply is not None and reply["status"] == "error" and reply.get("ename") == "CellInterrupted", str(reply))
    check("the trainer reacted within the grace period (no forced stop)",
          reply is not None and t_reply - t_interrupt < GRACE_S, "%.1f s" % ((t_reply if reply else time.time()) - t_interrupt))
    check("the kernel stayed busy until the cell ended (no idle status before the reply)",
          not any(state == "idle" for state, _ in statuses_after), str(statuses_after))
    steps = [int(s) for s in re.findall(r"^step (\d+)$", printed, re.M)]
    last = steps[-1] if steps else -1
    check("every step was printed once, in order", steps == list(range(1, last + 1)), str(steps))
    # The interrupt lands during step seen+1 at the latest: that step ends, then the loop stops.
    check("the trainer stopped after its current step", seen_at_interrupt <= last <= seen_at_interrupt + 2,
          "saw step %d when interrupting, the last printed step is %d" % (seen_at_interrupt, last))
    check("the cell's value shows the interrupted run",
          result is not None and ("%d/%d steps (interrupted)" % (last, TOTAL)) in result, repr(result))
    check("the live view shows the last step", bool(updates) and ("%d/%d" % (last, TOTAL)) in updates[-1],
          repr(updates[-1:] if updates else None))

    reply, msgs = run_cell(kc, 'run.interrupted() + " " + run.steps() + "/" + run.totalSteps()')
    streams = [m["content"]["text"] for m in msgs if m["msg_type"] == "stream"]
    values = [plain(m) for m in msgs if m["msg_type"] == "execute_result"]
    check("the next cell reads the run", reply["status"] == "ok" and values and
          values[0].strip('"') == "true %d/%d" % (last, TOTAL), "%s %s" % (reply, values))
    check("the next cell shows no leftover text", streams == [], repr(streams))
    reply, msgs = run_cell(kc, "Thread.currentThread().isInterrupted() + \" \" + (6 * 7)")
    values = [plain(m) for m in msgs if m["msg_type"] == "execute_result"]
    check("the kernel is alive and the next cell is not interrupted",
          km.is_alive() and values and values[0].strip('"') == "false 42", "%s %s" % (reply, values))


def test_abort(kc):
    ids = [kc.execute('int before = 1;\nthrow new IllegalStateException("boom");', stop_on_error=True),
           kc.execute('System.out.println("queued cell ran");', stop_on_error=True),
           kc.execute('"queued value"', stop_on_error=True)]
    replies = {}
    printed = []
    deadline = time.time() + 120
    while len(replies) < 3 and time.time() < deadline:
        try:
            r = kc.get_shell_msg(timeout=1)
        except queue.Empty:
            continue
        if r["parent_header"].get("msg_id") in ids:
            replies[r["parent_header"]["msg_id"]] = r["content"]
    time.sleep(0.5)
    while True:
        try:
            m = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            break
        if m["msg_type"] == "stream" and m["parent_header"].get("msg_id") in ids:
            printed.append(m["content"]["text"])
    statuses = [replies.get(i, {}).get("status") for i in ids]
    check("a failing cell aborts the queued ones", statuses == ["error", "aborted", "aborted"], str(statuses))
    first = replies.get(ids[0], {})
    check("the runtime error names its cell line", first.get("ename") == "IllegalStateException"
          and first.get("evalue", "").startswith("cell line 2: "), str(first))
    check("aborted cells did not run", printed == [], repr(printed))
    reply, msgs = run_cell(kc, '"after the error"')
    check("a cell sent after the error runs", reply["status"] == "ok", str(reply))
    run_cell(kc, 'throw new IllegalStateException("ignored");', stop_on_error=False)
    reply, _ = run_cell(kc, '"still runs"')
    check("without stop_on_error the next cell runs", reply["status"] == "ok", str(reply))


def main():
    km = KernelManager(kernel_name=NAME)
    km.start_kernel(cwd=ROOT)
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=180)
        t0 = time.time()
        test_interrupt(km, kc)
        test_abort(kc)
        print("kernel-protocol: ran in %.0f s" % (time.time() - t0))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    if failures:
        print("kernel-protocol: FAILED: " + ", ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
