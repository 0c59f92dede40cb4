package mpo4j.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Which records of a file are usable under a bad-line policy. {@link OnError#FAIL} keeps all of them
 * (errors surface when a record is read); {@link OnError#SKIP} parses every line once, keeps the good
 * ones, and logs how many were dropped and the first reason. Results are cached per file and parser.
 */
final class LineSelection {
    private static final Logger LOG = LoggerFactory.getLogger(LineSelection.class);

    record Lines(int[] good, long skipped) {}

    private final Map<Object, Lines> cache = new ConcurrentHashMap<>();

    Lines select(JsonlFile file, Function<JsonLine, ?> parser, OnError mode) {
        if (mode == OnError.FAIL) {
            int[] all = new int[file.size()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return new Lines(all, 0);
        }
        return cache.computeIfAbsent(java.util.List.of(file, parser), k -> validate(file, parser));
    }

    private static Lines validate(JsonlFile file, Function<JsonLine, ?> parser) {
        int[] good = new int[file.size()];
        int n = 0;
        long bad = 0;
        String first = null;
        for (int i = 0; i < file.size(); i++) {
            try {
                parser.apply(JsonLine.parse(file.source(i), file.line(i)));
                good[n++] = i;
            } catch (DatasetException e) {
                bad++;
                if (first == null) first = e.getMessage();
            }
        }
        if (bad > 0) {
            LOG.warn("skipped {} bad line{} of {} in {} (first: {})", bad, bad == 1 ? "" : "s", file.size(), file.path(), first);
        }
        return new Lines(Arrays.copyOf(good, n), bad);
    }
}
