package mpo4j.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mpo4j.plot.Curves;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Two runs' curves on the same panels (e.g. the mpo4j run and its exported TRL run on a cluster): every
 * panel either run has, each series named after its run ({@code "mpo4j: rewards/margins"},
 * {@code "trl: eval/rewards/margins"}).
 */
public final class RunComparison {
    private RunComparison() {}

    /** Overlays the runs' logged rows; the result has {@link Curves}' panels, PNG export and text view. */
    public static Curves curves(String nameA, List<Map<String, Double>> rowsA, String nameB, List<Map<String, Double>> rowsB) {
        if (nameA.equals(nameB)) throw new IllegalArgumentException("the two runs need different names, both are \"" + nameA + "\"");
        List<Map<String, Double>> both = new ArrayList<>(rowsA);
        both.addAll(rowsB);
        // panels of the union (a panel appears when either run has its metric), then each run's own series
        Curves overlay = Curves.of(both, Map.of());
        Curves a = Curves.of(rowsA, Map.of());
        Curves b = Curves.of(rowsB, Map.of());
        for (String panel : overlay.names()) {
            XYChart chart = overlay.get(panel);
            for (String series : chart.getSeriesCollection().stream().map(XYSeries::getName).toList()) chart.removeSeries(series);
            copySeries(a, panel, nameA, chart);
            copySeries(b, panel, nameB, chart);
        }
        return overlay;
    }

    private static void copySeries(Curves from, String panel, String run, XYChart into) {
        if (!from.names().contains(panel)) return;
        for (XYSeries s : from.get(panel).getSeriesCollection()) {
            XYSeries copy = into.addSeries(run + ": " + s.getName(), s.getXData(), s.getYData());
            copy.setMarker(s.getName().startsWith("eval/") ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
    }
}
