package mpo4j.text;

/**
 * A chat template could not be rendered: the template called {@code raise_exception(message)} (the
 * message is the template's own), or it uses Jinja that mpo4j cannot render exactly as Jinja2 does.
 */
public final class ChatTemplateException extends IllegalArgumentException {
    private final boolean raisedByTemplate;

    ChatTemplateException(String message, boolean raisedByTemplate) {
        super(message);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** True when the template itself called {@code raise_exception}: the conversation broke its rules. */
    public boolean raisedByTemplate() { return raisedByTemplate; }
}
