package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The tokenizer packed into the jar is the one committed under datasets-sample/tokenizer. */
class SampleTokenizerTest {

    @Test
    void jarCopyEncodesExactlyLikeTheCommittedFiles() {
        try (Tokenizer packed = Tokenizer.sample();
             Tokenizer committed = Tokenizer.load(Path.of("../datasets-sample/tokenizer"))) {
            String text = "<|im_start|>user\n<img><IMG_CONTEXT></img>\nWhat color is the circle?<|im_end|>\n";
            assertArrayEquals(committed.encode(text), packed.encode(text));
            assertEquals(2048, packed.vocabSize());
            assertEquals(committed.padId(), packed.padId());
            assertEquals(2042, packed.padId());
            assertEquals(2047, packed.imageContextId());
            assertEquals(committed.chatTemplate(), packed.chatTemplate());
        }
    }
}
