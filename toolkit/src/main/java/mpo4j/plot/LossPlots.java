package mpo4j.plot;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.loss.BcoDelta;
import mpo4j.loss.LossResult;
import mpo4j.loss.LossType;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Loss versus implicit-reward margin for one or several configured losses, and the gradient
 * magnitude versus margin: two plain XChart charts the caller can still style.
 *
 * <p>Parametrisation (one pair, evaluated alone): the x axis is the reward margin {@code x = β·Δ}
 * (what {@code rewards/margins} logs), with log-ratios {@code ℓc = +Δ/2}, {@code ℓr = −Δ/2},
 * reference log-probs 0 (so {@code π = ℓ}), one completion token per sequence. Losses that read more
 * than Δ follow from that: ipo/sigmoid_norm see {@code sc/Lc − sr/Lr = Δ}, nca/bco/sppo/apo see ℓc and ℓr
 * separately, and bco's δ is 0 (the pair's mean reward). {@code sft} is drawn at NLL 0: the chosen
 * answer's likelihood is not a function of the margin, so it would only shift a curve by a constant
 * (add {@code w_sft·NLL} to read absolute values; {@code loss("sft")} alone is a flat line). WPO
 * weighting is left out (there are no token distributions). The gradient chart shows
 * {@code |d loss / d x|} by central differences in float64.
 *
 * @param loss     loss vs margin, one series per configured loss
 * @param gradient |d loss / d margin| vs margin, same series
 */
public record LossPlots(XYChart loss, XYChart gradient) {
    /** Default x range: reward margins in [−6, 6]. */
    public static final double DEFAULT_RANGE = 6;
    private static final int POINTS = 121;

    /** Both charts over margins in [−6, 6]. */
    public static LossPlots of(PreferenceLoss... losses) {
        return of(DEFAULT_RANGE, losses);
    }

    /** Both charts over reward margins in [−range, range]. */
    public static LossPlots of(double range, PreferenceLoss... losses) {
        if (losses.length == 0) {
            throw new IllegalArgumentException("plotLoss needs at least one loss, e.g. plotLoss(mpo())");
        }
        if (!(range > 0) || !Double.isFinite(range)) {
            throw new IllegalArgumentException("margin range must be a finite number > 0, got " + range);
        }
        double[] x = new double[POINTS];
        for (int i = 0; i < POINTS; i++) {
            x[i] = -range + 2 * range * i / (POINTS - 1);
        }
        XYChart lossChart = chart("Loss vs implicit reward margin", "loss");
        XYChart gradChart = chart("Gradient magnitude vs implicit reward margin", "|d loss / d margin|");
        Set<String> names = new HashSet<>();
        for (PreferenceLoss l : losses) {
            String name = uniqueName(label(l), names);
            add(lossChart, name, x, lossCurve(l, x));
            add(gradChart, name, x, gradientCurve(l, x));
        }
        return new LossPlots(lossChart, gradChart);
    }

    /** Both charts, loss first. */
    public List<XYChart> charts() {
        return List.of(loss, gradient);
    }

    /** The total loss of {@code loss} at each reward margin β·Δ, in the parametrisation above. */
    public static double[] lossCurve(PreferenceLoss loss, double[] margins) {
        PreferenceLoss plain = loss.useWeighting(false);
        Mpo4jEngine.ensureOffline();
        double[] y = new double[margins.length];
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < margins.length; i++) {
                y[i] = at(plain, margins[i], manager);
            }
        }
        return y;
    }

    /** {@code |d loss / d margin|} by central differences (step 1e-4) in float64. */
    public static double[] gradientCurve(PreferenceLoss loss, double[] margins) {
        PreferenceLoss plain = loss.useWeighting(false);
        double h = 1e-4;
        Mpo4jEngine.ensureOffline();
        double[] y = new double[margins.length];
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < margins.length; i++) {
                y[i] = Math.abs(at(plain, margins[i] + h, manager) - at(plain, margins[i] - h, manager)) / (2 * h);
            }
        }
        return y;
    }

    private static double at(PreferenceLoss loss, double margin, NDManager manager) {
        double delta = margin / loss.beta();
        try (NDManager scope = manager.newSubManager()) {
            NDArray pi = scope.create(new double[] {delta / 2, -delta / 2});
            SequenceLogps policy = SequenceLogps.of(pi, pi, new int[] {1, 1});
            ReferenceLogps reference = ReferenceLogps.sums(new float[] {0f}, new float[] {0f});
            LossResult r = loss.compute(policy, reference, new BcoDelta());
            // sft does not depend on the margin: leave it out rather than let −πc = −Δ/2 tilt the curve
            int sft = loss.types().indexOf(LossType.SFT);
            return sft < 0 ? r.value() : r.value() - loss.weights().get(sft) * r.component(LossType.SFT);
        }
    }

    /** "ipo (β=0.5)" or "0.8·sigmoid + 0.2·bco_pair + 1.0·sft (β=0.1, sft at NLL 0)". */
    static String label(PreferenceLoss loss) {
        StringBuilder sb = new StringBuilder();
        List<LossType> types = loss.types();
        boolean single = types.size() == 1 && loss.weights().get(0) == 1.0;
        for (int k = 0; k < types.size(); k++) {
            if (k > 0) {
                sb.append(" + ");
            }
            sb.append(single ? "" : loss.weights().get(k) + "·").append(types.get(k).trlName());
        }
        sb.append(" (β=").append(loss.beta());
        if (loss.labelSmoothing() != 0) {
            sb.append(", ε=").append(loss.labelSmoothing());
        }
        if (loss.fDivergence() != mpo4j.loss.FDivergence.REVERSE_KL) {
            sb.append(", ").append(loss.fDivergence());
        }
        if (types.contains(LossType.SFT)) {
            sb.append(", sft at NLL 0");
        }
        return sb.append(")").toString();
    }

    private static String uniqueName(String name, Set<String> taken) {
        String candidate = name;
        for (int n = 2; !taken.add(candidate); n++) {
            candidate = name + " #" + n;
        }
        return candidate;
    }

    private static XYChart chart(String title, String yTitle) {
        return ChartStyle.chart(720, 420, title, "implicit reward margin β·Δ  (ℓc = +Δ/2, ℓr = −Δ/2)", yTitle);
    }

    private static void add(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
    }

    @Override
    public String toString() {
        return "LossPlots[" + loss.getSeriesCollection().stream().filter(XYSeries::isShowInLegend).map(XYSeries::getName)
                .collect(java.util.stream.Collectors.joining(", ")) + "]";
    }
}
