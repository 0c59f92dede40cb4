package mpo4j.data;

/**
 * Bad input in a dataset file. The message always starts with the place ({@code file:line}) and the
 * field at fault, so a user can open the file at the right line:
 * {@code shapes/annotations/color.jsonl:12: field "chosen": missing}.
 */
public class DatasetException extends RuntimeException {
    private final Source source;
    private final String field;

    public DatasetException(Source source, String field, String problem) {
        this(source, field, problem, null);
    }

    public DatasetException(Source source, String field, String problem, Throwable cause) {
        super(source + ": " + (field == null ? "" : "field \"" + field + "\": ") + problem, cause);
        this.source = source;
        this.field = field;
    }

    /** The file and line at fault. */
    public Source source() { return source; }

    /** The JSON field at fault, or {@code null} when the whole line is (e.g. malformed JSON). */
    public String field() { return field; }
}
