package mpo4j.data;

/**
 * Where a record came from: a file and a 1-based line number (0 when the record has no line, e.g. it
 * was built in code). Every error about a record names its source, so a user can open the file at the
 * right place.
 */
public record Source(String file, long line) {

    /** A record built in code rather than read from a file. */
    public static Source inline(String what) {
        return new Source(what, 0);
    }

    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : file;
    }
}
