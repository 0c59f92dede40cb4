package mpo4j.hf;

/** JSON string literals written the way the Python tools write them, so our files match theirs byte for byte. */
final class JsonText {
    private JsonText() {}

    /**
     * {@code s} as a quoted JSON string. Quote, backslash and control characters are escaped as
     * serde_json and Python's {@code json} both do; with {@code asciiOnly} every other non-ASCII char
     * becomes {@code \\uXXXX} too (Python's default {@code ensure_ascii=True}), without it the text
     * stays raw UTF-8 (serde_json, which writes safetensors headers).
     */
    static String quote(String s, boolean asciiOnly) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7E)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
