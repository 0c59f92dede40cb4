package mpo4j.sample;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.interop.TrlDataExport;

/**
 * Writes {@code trl-parquet/}: the TRL sample pairs ({@code trl/conversational_explicit.jsonl}) as a
 * Hugging Face Parquet dataset, images embedded as {@code {bytes, path}} structs, in the Hub's split
 * layout: {@code data/train-0000{0,1}-of-00002.parquet} (two shards) and
 * {@code data/test-00000-of-00001.parquet} (every 8th pair, so each kind of question is in both).
 */
final class ParquetSample {
    private ParquetSample() {}

    static void write(Path sample) {
        List<PreferencePair> pairs = Datasets.trl(sample.resolve("trl/conversational_explicit.jsonl")).toList();
        List<PreferencePair> train = new ArrayList<>();
        List<PreferencePair> test = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) (i % 8 == 7 ? test : train).add(pairs.get(i));
        Path folder = sample.resolve("trl-parquet");
        TrlDataExport.parquetSplit(train, folder, "train", 2);
        TrlDataExport.parquetSplit(test, folder, "test", 1);
    }

    /** Writes the Parquet sample into the datasets-sample folder {@code args[0]} (the TRL JSONL must exist). */
    public static void main(String[] args) {
        write(Path.of(args[0]));
    }
}
