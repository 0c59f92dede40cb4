package mpo4j.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void textShowsBarCountsPercentAndMetrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", 0.6931);
        m.put("rewards/margins", 0.00012);
        ProgressView p = ProgressView.of("MPO", 3, 10).withMetrics(m);
        // 30 columns * 30% = 9 filled
        // 4 significant digits, leading zeros written out (0.00012, not 1.200e-04)
        assertEquals("MPO [#########---------------------] 3/10 (30%)  loss=0.6931  rewards/margins=0.00012", p.toText());
        assertEquals(30.0, p.percent(), 1e-12);
        assertEquals(100.0, ProgressView.of("", 0, 0).percent(), 1e-12);
    }

    @Test
    void htmlHasAProgressElementAndInlinesTheCurves() {
        String html = ProgressView.of("<SFT>", 5, 20).withMetric("loss", 1.25)
                .withChart(RenderTest.lossChart()).toHtml();
        assertTrue(html.contains("<b>&lt;SFT&gt;</b>"), html);
        assertTrue(html.contains("<progress value=\"5\" max=\"20\""), html);
        assertTrue(html.contains("5/20 (25%) &middot; loss = <code>1.25</code>"), html);
        assertTrue(html.contains("<img src=\"data:image/png;base64,iVBORw0KGgo"), "PNG data URI: " + html.substring(0, 200));
        assertFalse(html.contains("elapsed"), "no timing given, none shown");
        assertTrue(html.contains("width=\"320\" height=\"200\""), html.substring(html.length() - 80));
    }

    @Test
    void timingShowsElapsedSecondsPerStepAndEtaInHtmlOnly() {
        // 30 s for 10 steps → 3.00 s/it; 40 − 10 = 30 steps left → 90 s = 1:30
        ProgressView p = ProgressView.of("DPO", 10, 40).withTiming(30_000, 10);
        assertEquals(3.0, p.secondsPerStep(), 1e-12);
        assertEquals(90.0, p.etaSeconds(), 1e-9);
        assertEquals("elapsed 0:30 \u00b7 3.00 s/it \u00b7 ETA 1:30", p.timing());
        assertTrue(p.toHtml().contains("elapsed 0:30 \u00b7 3.00 s/it \u00b7 ETA 1:30"), p.toHtml());
        assertFalse(p.toText().contains("elapsed"), "text/plain stays the same from run to run: " + p.toText());
        // fast steps read as it/s: 2 s for 10 steps → 0.2 s/it = 5.00 it/s; finished work has no ETA
        assertEquals("elapsed 0:02 \u00b7 5.00 it/s", ProgressView.of("", 10, 10).withTiming(2_000, 10).timing());
        assertEquals("1:01:05", ProgressView.clock(3665));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.withTiming(-1, 0));
        assertTrue(e.getMessage().contains("-1 ms"), e.getMessage());
    }

    @Test
    void progressBeyondTheTotalIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProgressView.of("x", 11, 10));
        assertEquals("progress must satisfy 0 <= done <= total, got 11 of 10", e.getMessage());
    }
}
