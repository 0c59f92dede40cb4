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
        // packed: each pair one row of 112 + 104 - 72 (the shared prompt) = 144 tokens; 8·(40 + 32) = 576 scored positions
        int[] packed = {144, 144, 144, 144, 144, 144, 144, 144};
        return new Measurements(2, 2, 1, 0.5, 0.7, 5_785_152L, 100.0, 8, rows, FlopCount.forward(TinyVlmConfig.tinyVlm(), rows, 24),
                FlopCount.executed(TinyVlmConfig.tinyVlm(), packed, 576, 24), 1152,
                new double[] {500, 100, 300, 200, 400}, new double[] {700, 800, 600}, new double[] {250, 200, 240}, new double[] {390, 360, 420},
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
        assertEquals(390.0, r.get("step_ms_prompt_per_row"));
        assertEquals(700.0 / 390, (double) r.get("vision_once_speedup"), 1e-12);   // both unpacked: vision alone
        assertEquals(390.0 / 300, (double) r.get("prompt_once_speedup"), 1e-12);
        assertEquals(300.0 / 240, (double) r.get("precomputed_ref_speedup"), 1e-12);
        assertEquals(78_232_158_208.0, r.get("flops_per_step"));
        // 78.232 GFLOP in 0.3 s on a 100 GFLOP/s peak
        assertEquals(78.232158208 / 0.3 / 100, (double) r.get("mfu"), 1e-12);
        assertEquals(1728 / 0.3, (double) r.get("tokens_per_s"), 1e-9);
        // executed forward: decoder 4 layers · (2·(4·256²) + 6·256·688) = 6,324,224 per token · 1152 = 7,285,506,048;
        // attention 4 layers · 4 heads · 4 · 8·144² · 64 = 679,477,248; head 2·256·2048·576 = 603,979,776;
        // vision as counted = 6,052,380,672; total 14,621,343,744, step 4× = 58,485,374,976
        assertEquals(1152L, r.get("decoder_tokens_per_forward"));
        assertEquals(58_485_374_976.0, r.get("flops_per_step_executed"));
        assertEquals(58.485374976 / 0.3 / 100, (double) r.get("hfu"), 1e-12);
        // the step consumes 8 pairs per 0.3 s = 26.67 pairs/s; collation does 4000
        assertEquals(4000 / (8 / 0.3), (double) r.get("collate_vs_step_ratio"), 1e-9);
        assertEquals(2.5, (double) r.get("rss_growth_pct"), 1e-12);          // 1600 → 1640 MiB
        assertEquals(1600.0, r.get("rss_mb_step_100"));
    }

    @Test
    void everyKeyTheIssueAsksFor() {
        Map<String, Object> r = Benchmark.report(sample());
        for (String key : List.of("gemm_gflops", "step_ms", "step_ms_p10", "step_ms_p90", "steps", "step_ms_duplicate_vision",
                "step_ms_precomputed_ref", "step_ms_prompt_per_row", "flops_per_step", "flops_method", "mfu", "hfu", "flops_per_step_executed", "collate_pairs_per_s",
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
