package mpo4j.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;

/** The cells executed in this kernel session, for Jupyter's history requests (in memory only). */
final class KernelHistory implements HistoryManager {
    private static final int SESSION = 1;
    private final List<HistoryEntry> entries = new ArrayList<>();

    synchronized void record(int cellNumber, String input) {
        entries.add(new HistoryEntry(SESSION, cellNumber, input, null));
    }

    @Override
    public synchronized List<HistoryEntry> lookupTail(int length, Set<ResultFlag> flags) {
        return List.copyOf(entries.subList(Math.max(0, entries.size() - length), entries.size()));
    }

    @Override
    public synchronized List<HistoryEntry> lookupRange(int session, int start, int stop, Set<ResultFlag> flags) {
        List<HistoryEntry> out = new ArrayList<>();
        for (HistoryEntry e : entries) {
            // Jupyter's stop is exclusive; session 0 or negative means "this session".
            if ((session <= 0 || session == SESSION) && e.getCellNumber() >= start && (stop <= 0 || e.getCellNumber() < stop)) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public synchronized List<HistoryEntry> search(String pattern, int length, Set<ResultFlag> flags) {
        // Jupyter's pattern is a glob where * and ? are wildcards.
        StringBuilder regex = new StringBuilder();
        for (char c : (pattern == null ? "*" : pattern).toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        Pattern p = Pattern.compile(regex.toString(), Pattern.DOTALL);
        Map<String, HistoryEntry> matches = new LinkedHashMap<>();
        for (HistoryEntry e : entries) {
            if (p.matcher(e.getInput()).matches()) {
                if (flags.contains(ResultFlag.UNIQUE)) {
                    matches.remove(e.getInput());
                }
                matches.put(flags.contains(ResultFlag.UNIQUE) ? e.getInput() : e.getCellNumber() + "", e);
            }
        }
        List<HistoryEntry> all = new ArrayList<>(matches.values());
        return length > 0 && all.size() > length ? all.subList(all.size() - length, all.size()) : all;
    }
}
