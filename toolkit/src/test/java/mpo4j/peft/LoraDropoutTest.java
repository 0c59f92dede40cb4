package mpo4j.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import mpo4j.engine.Dropout;
import mpo4j.model.TinyVlm;
import mpo4j.train.TrainLoop;
import org.junit.jupiter.api.Test;

/** TRL's disable_dropout: on by default, it switches LoRA's lora_dropout off in preference training. */
class LoraDropoutTest {

    private static List<Map<String, Double>> rows(double loraDropout, boolean disableDropout) {
        try (TinyVlm base = TinyVlm.builder(LoraTrainingTest.CONFIG).seed(3).build();
                LoraModel lora = LoraModel.wrap(base, LoraTrainingTest.LORA.loraDropout(loraDropout))) {
            return TrainLoop.withoutTiming(LoraTrainingTest.trainer(lora).disableDropout(disableDropout).maxSteps(3).fit().log().rows());
        }
    }

    @Test
    void byDefaultADropoutAdapterTrainsExactlyAsOneWithoutDropout() {
        List<Map<String, Double>> none = rows(0.0, true);
        // the adapters' start values depend on the seed only, so the runs can be compared number for number
        assertEquals(none, rows(0.5, true), "disable_dropout (default) turns lora_dropout 0.5 off");
        assertNotEquals(none, rows(0.5, false), "disable_dropout false keeps it: the training forwards differ");
        assertEquals(none, rows(0.0, false), "without dropout the setting changes nothing");
    }

    @Test
    void theSwitchHoldsOnlyWhileItsBodyRunsAndNests() {
        assertTrue(Dropout.enabled());
        boolean inner = Dropout.off(() -> {
            assertFalse(Dropout.enabled());
            return Dropout.off(false, Dropout::enabled);   // "not disabled" inside an off body leaves it off
        });
        assertFalse(inner);
        assertTrue(Dropout.enabled(), "restored after the body");
        assertTrue(Dropout.off(false, Dropout::enabled));
    }
}
