package mpo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import mpo4j.model.TinyVlmConfig;
import org.junit.jupiter.api.Test;

/** The report's keys and derived values from given measurements, and its one-line JSON form. */
class BenchReportTest {
    static Measurements sample() {
        int[] rows = SyntheticPairs.BatchShape.reference().rowLengths(16);
        return new Measurements(2, 2, 1, 0.5, 0.7, 5_785_152L, 100.0, 8, rows, FlopCount.forward(TinyVlmConfig.tinyVlm(), rows, 24),
                new double[] {500, 100, 300, 200, 400}, new double[] {700, 800, 600}, new double[] {250, 200, 240},
                4000, 6000, 2, 1000, 100, 1500, 1600, 1640, 10, 11, null);
    }

    @Test
    void derivedValuesByHand() {
        Map<String, Object> r = Benchmark.report(sample());
        assertEquals(300.0, r.get("step_ms"));
        assertEquals(140.0, (double) r.get("step_ms_p10"), 1e-9);          // 100 + 0.4·(200 − 100)
        assertEquals(460.0, (double) r.get("step_ms_p90"), 1e-9);          // 400 + 0.6·(500 − 400)
        assertEquals(5, r.get("steps"));
        assertEquals(700.0, r.get("step_ms_duplicate_vision"));
        assertEquals(240.0, r.get("step_ms_precomputed_ref"));
        assertEquals(700.0 / 300, (double) r.get("vision_once_speedup"), 1e-12);
        assertEquals(300.0 / 240, (double) r.get("precomputed_ref_speedup"), 1e-12);
        assertEquals(78_232_158_208.0, r.get("flops_per_step"));
        // 78.232 GFLOP in 0.3 s on a 100 GFLOP/s peak
        assertEquals(78.232158208 / 0.3 / 100, (double) r.get("mfu"), 1e-12);
        assertEquals(1728 / 0.3, (double) r.get("tokens_per_s"), 1e-9);
        // the step consumes 8 pairs per 0.3 s = 26.67 pairs/s; collation does 4000
        assertEquals(4000 / (8 / 0.3), (double) r.get("collate_vs_step_ratio"), 1e-9);
        assertEquals(2.5, (double) r.get("rss_growth_pct"), 1e-12);          // 1600 → 1640 MiB
        assertEquals(1600.0, r.get("rss_mb_step_100"));
    }

    @Test
    void everyKeyTheIssueAsksFor() {
        Map<String, Object> r = Benchmark.report(sample());
        for (String key : List.of("gemm_gflops", "step_ms", "step_ms_p10", "step_ms_p90", "steps", "step_ms_duplicate_vision",
                "step_ms_precomputed_ref", "flops_per_step", "flops_method", "mfu", "collate_pairs_per_s",
                "collate_pairs_per_s_parallel", "rss_mb_start", "rss_mb_end", "steps_memory", "tokens_per_s")) {
            assertTrue(r.containsKey(key), key);
        }
    }

    @Test
    void jsonIsOneLineWithRoundedNumbersAndExactIntegers() {
        String json = Benchmark.json(Benchmark.report(sample()));
        assertFalse(json.contains("\n"));
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertEquals("78232158208", o.get("flops_per_step").getAsString());
        assertEquals("2.608", o.get("mfu").getAsString());                  // 2.60774 to 4 significant digits
        assertEquals("10928259072", o.getAsJsonObject("flops_forward").get("decoder_linear").getAsString());
        assertEquals(FlopCount.METHOD, o.get("flops_method").getAsString());
        assertEquals("1728", o.get("tokens_per_step").getAsString());
    }

    @Test
    void missingMeasurementsStayVisibleAsNaN() {
        Map<String, Object> r = Map.of("rss_mb_end", Double.NaN);
        assertEquals("{\"rss_mb_end\":NaN}", Benchmark.json(r));
    }
}
