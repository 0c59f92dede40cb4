package mpo4j.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals("MPO [#########---------------------] 3/10 (30%)  loss=0.6931  rewards/margins=1.200e-04", p.toText());
        assertEquals(30.0, p.percent(), 1e-12);
        assertEquals(100.0, ProgressView.of("", 0, 0).percent(), 1e-12);
    }

    @Test
    void htmlHasAProgressElementAndInlinesTheCurves() {
        String html = ProgressView.of("<SFT>", 5, 20).withMetric("loss", 1.25)
                .withChart(RenderTest.lossChart()).toHtml();
        assertTrue(html.contains("<b>&lt;SFT&gt;</b>"), html);
        assertTrue(html.contains("<progress value=\"5\" max=\"20\""), html);
        assertTrue(html.contains("5/20 (25%) &middot; loss = <code>1.2500</code>"), html);
        assertTrue(html.contains("<img src=\"data:image/png;base64,iVBORw0KGgo"), "PNG data URI: " + html.substring(0, 200));
        assertTrue(html.contains("width=\"320\" height=\"200\""), html.substring(html.length() - 80));
    }

    @Test
    void progressBeyondTheTotalIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProgressView.of("x", 11, 10));
        assertEquals("progress must satisfy 0 <= done <= total, got 11 of 10", e.getMessage());
    }
}
