package mpo4j.train;

import java.io.PrintStream;
import java.util.Map;

/**
 * A single updating terminal line: step/total, loss, margin, accuracy, speed and ETA.
 */
public final class ProgressBar implements TrainListener {
    @Override
    public boolean isDisplay() { return true; }

    /**
     * Whether a person is watching the output: a console is attached, or the code runs inside JShell
     * (whose remote agent has no console but prints to the user's terminal).
     */
    static boolean interactive() {
        return System.console() != null || StackWalker.getInstance().walk(frames ->
                frames.anyMatch(f -> f.getClassName().startsWith("jdk.jshell.")));
    }

    private static final int WIDTH = 24;
    private final PrintStream out;

    public ProgressBar(PrintStream out) { this.out = out; }

    /** The line for a progress snapshot (without the carriage return). */
    public static String line(Progress p) {
        int filled = p.totalSteps() == 0 ? WIDTH : (int) ((long) WIDTH * p.step() / p.totalSteps());
        double itPerS = p.elapsedMs() == 0 ? 0 : p.stepsThisFit() * 1000.0 / p.elapsedMs();
        long etaS = itPerS == 0 ? 0 : Math.round((p.totalSteps() - p.step()) / itPerS);
        Map<String, Double> m = p.metrics();
        StringBuilder sb = new StringBuilder("[").append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        sb.append(String.format("%d/%d", p.step(), p.totalSteps()));
        appendIf(sb, m, "loss", "loss %.4f");
        appendIf(sb, m, "rewards/margins", "margin %.4f");
        appendIf(sb, m, "rewards/accuracies", "acc %.3f");
        sb.append(String.format("  %.2f it/s  ETA %02d:%02d", itPerS, etaS / 60, etaS % 60));
        return sb.toString();
    }

    private static void appendIf(StringBuilder sb, Map<String, Double> m, String key, String fmt) {
        Double v = m.get(key);
        if (v != null) {
            sb.append("  ").append(String.format(fmt, v));
        }
    }

    @Override
    public void onStep(Progress p) {
        out.print("\r" + line(p));
        out.flush();
    }

    @Override
    public void onEval(Progress p) {
        Map<String, Double> m = p.metrics();
        out.printf("%n  eval @ %d: loss %.4f  margin %.4f  acc %.3f%n", p.step(),
                m.getOrDefault("eval/loss", Double.NaN), m.getOrDefault("eval/rewards/margins", Double.NaN),
                m.getOrDefault("eval/rewards/accuracies", Double.NaN));
    }

    @Override
    public void onEnd(TrainRun run) {
        out.println();
        out.println(run);
    }
}
