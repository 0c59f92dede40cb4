package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import mpo4j.data.Source;
import mpo4j.Mpo;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.model.TinyVlm;
import org.junit.jupiter.api.Test;
import mpo4j.text.Labels;
import mpo4j.generate.Generator;
import mpo4j.generate.SamplingConfig;

/** Batched greedy answers equal one-at-a-time generation, and accuracy counts exact matches. */
class AnswerCheckTest {

    @Test
    void batchedAnswersMatchSingleGenerationAndAccuracyCountsExactMatches() {
        List<PreferencePair> pairs = Datasets.load(Path.of("../datasets-sample/shapes/meta_eval.json")).seed(3).take(3).toList();
        try (TinyVlm model = Mpo.tinyVlm().seed(9).build()) {
            InternVlCollator collator = InternVlCollator.forModel(model).maxTiles(1).thumbnail(false);
            AnswerCheck check = AnswerCheck.greedy(model, collator, pairs);
            for (int i = 0; i < pairs.size(); i++) {
                PreferenceBatch one = collator.collate(List.of(pairs.get(i)));
                SequenceBatch rows = one.chosen();
                int prompt = 0;
                while (rows.label(0, prompt) == Labels.IGNORE) {
                    prompt++;
                }
                long[] out;
                try (var scope = model.manager().newSubManager()) {
                    out = Generator.of(model).generate(Arrays.copyOf(rows.inputIds(), prompt), one.pixelValues(scope), SamplingConfig.greedy(8));
                }
                long eos = model.config().tokens().eos();
                int end = 0;
                while (end < out.length && out[end] != eos) {
                    end++;
                }
                assertEquals(collator.tokenizer().decode(Arrays.copyOf(out, end)).trim(), check.answers().get(i), "pair " + i);
            }
            // The untrained model's own answers as the chosen answers: every one matches; others: none.
            List<PreferencePair> own = new ArrayList<>();
            List<PreferencePair> wrong = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                PreferencePair p = pairs.get(i);
                own.add(new PreferencePair(p.prompt(), " " + check.answers().get(i) + " ", p.rejected(), p.images(), p.source(), p.imageOptions()));
                wrong.add(new PreferencePair(p.prompt(), check.answers().get(i) + "x", p.rejected(), p.images(), p.source(), p.imageOptions()));
            }
            assertEquals(1.0, AnswerCheck.greedy(model, collator, own).accuracy());
            assertEquals(0.0, AnswerCheck.greedy(model, collator, wrong).accuracy());
            // per file (by file name, first-seen order): a.jsonl 1 of 1 right, b.jsonl 1 of 2
            List<PreferencePair> mixed = List.of(
                    withSource(own.get(0), new Source("x/a.jsonl", 1)),
                    withSource(own.get(1), new Source("y/b.jsonl", 1)),
                    withSource(wrong.get(2), new Source("z/b.jsonl", 2)));
            assertEquals(List.of(Map.entry("a.jsonl", 1.0), Map.entry("b.jsonl", 0.5)),
                    List.copyOf(AnswerCheck.greedy(model, collator, mixed).accuracyByFile().entrySet()));
            assertEquals(3, check.table().rowCount());
            assertArrayEquals(new String[] {"source", "question", "chosen", "answer", "correct"}, check.table().columnNames().toArray());
        }
    }

    private static PreferencePair withSource(PreferencePair p, Source source) {
        return new PreferencePair(p.prompt(), p.chosen(), p.rejected(), p.images(), source, p.imageOptions());
    }
}
