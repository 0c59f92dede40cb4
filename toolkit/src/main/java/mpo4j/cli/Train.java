package mpo4j.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import mpo4j.collate.InternVlCollator;
import mpo4j.data.Dataset;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.interop.TrlConfigFile;
import mpo4j.model.TinyVlm;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.train.TrainRun;

/**
 * {@code ./mpo4j train run.yaml}: trains with mpo4j from a TRL {@code dpo.yaml} (TRL's field names,
 * see {@code docs/dpo-config.md}) plus {@code model_name_or_path} (a model folder written by mpo4j),
 * {@code dataset_name} (a Parquet dataset folder or file, a TRL/MMPR JSONL file or folder, or an MMPR
 * meta.json) and {@code output_dir}, where the metrics, checkpoints and, in {@code final/}, the run's model and curves are written. Paths are
 * taken as given, relative to the working directory, as TRL takes them.
 */
public final class Train {
    private Train() {}

    /** Runs the file named by {@code args[0]}; exits with 2 on a bad file, 1 on a failed run. */
    public static void main(String[] args) {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("usage: ./mpo4j train run.yaml   (a TRL dpo.yaml + model_name_or_path, dataset_name, output_dir)");
            System.exit(2);
        }
        TrlConfigFile config;
        try {
            config = TrlConfigFile.read(Path.of(args[0]));
        } catch (IllegalArgumentException e) {
            System.err.println("mpo4j train: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            TrainRun run = run(config, args[0], System.out);
            System.out.println("mpo4j train: " + run.steps() + " steps; model, metrics and curves in " + config.outputDir());
        } catch (IllegalArgumentException e) {
            System.err.println("mpo4j train: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Trains as {@code config} says and saves the run into {@code output_dir/final}. */
    static TrainRun run(TrlConfigFile config, String file, PrintStream out) {
        String modelPath = required(config.modelNameOrPath(), file, "model_name_or_path");
        String dataPath = required(config.datasetName(), file, "dataset_name");
        Path outputDir = Path.of(required(config.outputDir(), file, "output_dir"));
        for (String ignored : config.ignored()) out.println("mpo4j train: without effect on this engine: " + ignored);
        if (!Files.isRegularFile(Path.of(modelPath, "config.json"))) {
            throw new IllegalArgumentException(file + ": model_name_or_path: " + modelPath + " is not a model folder written by mpo4j"
                    + " (no config.json); a Hub id must be downloaded to a folder first");
        }
        Mpo4jEngine.ensureOffline();
        TinyVlm model = TinyVlm.load(Path.of(modelPath));
        try {
            InternVlCollator collator = InternVlCollator.forModel(model);
            if (config.maxLength() != null) collator = collator.maxSeqLength(config.maxLength());
            PreferenceTrainer trainer = config.apply(PreferenceTrainer.of(model)).data(split(dataPath, config.trainSplit()))
                    .collator(collator).output(outputDir);
            if (config.testSplit() != null) {
                if (!isParquetFolder(Path.of(dataPath), config.testSplit())) {
                    throw new IllegalArgumentException(file + ": dataset_test_split: " + dataPath + " has no split layout"
                            + " (data/<split>-*.parquet); leave dataset_test_split out or point dataset_name at a Parquet dataset folder");
                }
                trainer = trainer.eval(split(dataPath, config.testSplit()));
            }
            TrainRun run = trainer.fit();
            // output_dir already holds the trainer's checkpoints, reference and metrics; a run save replaces a
            // whole folder, so the final model goes beside them, as its own complete save
            run.save(outputDir.resolve("final"));
            return run;
        } finally {
            model.close();
        }
    }

    /** A Parquet dataset's split, or the file/folder itself for other formats (which have no splits). */
    private static Dataset<PreferencePair> split(String path, String split) {
        Path p = Path.of(path);
        return isParquetFolder(p, split) ? Datasets.parquet(p, split) : Datasets.load(p);
    }

    private static boolean isParquetFolder(Path p, String split) {
        return Files.isDirectory(p.resolve("data")) || Files.isDirectory(p.resolve(split));
    }

    private static String required(String value, String file, String key) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(file + ": " + key + " is required");
        return value;
    }
}
