package mpo4j.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import java.beans.FeatureDescriptor;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import mpo4j.hf.PythonJson;

/**
 * Jinjava configured to render Hugging Face chat templates as transformers' Jinja2 environment does
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} plus {@code tojson},
 * {@code raise_exception} and {@code strftime_now}). Where Jinjava differs from Jinja2 it is patched
 * here; what cannot be patched fails with a {@link ChatTemplateException} rather than rendering a
 * different prompt.
 */
final class JinjaEnvironment {
    private JinjaEnvironment() {}

    /** The filter that stands in for Python slices ({@code x[a:b:c]}), which Jinjava cannot parse. */
    static final String SLICE_FILTER = "mpo4j_slice";

    /** The function that tells whether a variable name was bound to None (see {@link TemplateSource}). */
    static final String BOUND_NONE_FUNCTION = "mpo4j_bound_none";

    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();
    /** The first error mpo4j's own Python methods raised: Jinjava may report it as "Cannot find method". */
    private static final ThreadLocal<String> UNSUPPORTED = new ThreadLocal<>();
    /** Variables the caller bound to None: Jinjava's context does not keep null values. */
    private static final ThreadLocal<Set<String>> NONE_BOUND = ThreadLocal.withInitial(Set::of);

    private static final ExpressionStrategy PYTHON_OUTPUT = JinjaEnvironment::printExpression;

    private static final ExecutionMode PYTHON_MODE = new ExecutionMode() {
        @Override
        public void prepareContext(Context context) {
            context.setExpressionStrategy(PYTHON_OUTPUT);
        }
    };

    private static final Jinjava JINJAVA = create();

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // done by TemplateSource: Jinjava also strips after text on the line
                // message text must come out verbatim: no re-interpretation of "{{ }}" inside it
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withElResolver(resolver)
                .withExecutionMode(PYTHON_MODE)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        Context globals = jinjava.getGlobalContext();
        try {
            // this class is package-private, so Jinjava's reflective call needs the methods opened
            var raise = JinjaEnvironment.class.getDeclaredMethod("raiseException", Object.class);
            var strftime = JinjaEnvironment.class.getDeclaredMethod("strftimeNow", String.class);
            var boundNone = JinjaEnvironment.class.getDeclaredMethod("boundNone", String.class);
            raise.setAccessible(true);
            strftime.setAccessible(true);
            boundNone.setAccessible(true);
            globals.registerFunction(new ELFunctionDefinition("", BOUND_NONE_FUNCTION, boundNone));
            globals.registerFunction(new ELFunctionDefinition("", "raise_exception", raise));
            globals.registerFunction(new ELFunctionDefinition("", "strftime_now", strftime));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        globals.registerFilter(new ToJson());
        globals.registerFilter(new Trim());
        globals.registerFilter(new Slice());
        globals.registerExpTest(new Sequence());
        jinjava.registerTag(new Generation());
        return jinjava;
    }

    // ------------------------------------------------------------------ parse and render

    /** Parses a template after the source changes Jinja2's lexer makes and the slice rewrite. */
    static Node parse(String source) {
        JinjavaInterpreter parser = JINJAVA.newInterpreter();
        String prepared = TemplateSource.prepare(source);
        for (String filter : TemplateSource.filterNames(prepared)) {
            // Jinjava renders an unknown filter as nothing; Jinja2 refuses the template
            if (filter.equals("fromjson") || JINJAVA.getGlobalContext().getFilter(filter) == null) {
                throw new ChatTemplateException("cannot parse the chat_template: no filter named '" + filter + "'", false);
            }
        }
        Node tree = parser.parse(prepared);
        throwOnError(parser.getErrors(), "cannot parse the chat_template");
        return tree;
    }

    static String render(Node tree, Map<String, Object> variables) {
        JinjavaInterpreter interpreter = JINJAVA.newInterpreter();
        interpreter.getContext().putAll(variables);
        JinjavaInterpreter.pushCurrent(interpreter);
        RAISED.remove();
        UNSUPPORTED.remove();
        NONE_BOUND.set(variables.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey).collect(Collectors.toSet()));
        try {
            String out = interpreter.render(tree);
            String raised = RAISED.get();
            if (raised != null) {
                throw new ChatTemplateException(raised, true);
            }
            if (UNSUPPORTED.get() != null && !interpreter.getErrors().isEmpty()) {
                throw new ChatTemplateException("cannot render the chat_template: " + UNSUPPORTED.get(), false);
            }
            throwOnError(interpreter.getErrors(), "cannot render the chat_template");
            return out;
        } finally {
            RAISED.remove();
            UNSUPPORTED.remove();
            NONE_BOUND.remove();
            JinjavaInterpreter.popCurrent();
        }
    }

    /**
     * Every error stops the render, warnings included: Jinjava warns and goes on where Jinja2 stops
     * (an unknown function renders as nothing), and a silently different prompt is worse than none.
     */
    private static void throwOnError(List<TemplateError> errors, String what) {
        if (!errors.isEmpty()) {
            TemplateError e = errors.get(0);
            throw new ChatTemplateException(what + ": " + e.getMessage()
                    + (e.getFieldName() != null ? " in '" + e.getFieldName() + "'" : "")
                    + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : ""), false);
        }
    }

    // ------------------------------------------------------------------ globals

    /** transformers' {@code raise_exception}: stops rendering with the template's message. */
    static Object raiseException(Object message) {
        String text = PythonStrings.str(message);
        if (RAISED.get() == null) {
            RAISED.set(text); // Jinjava turns exceptions into collected errors; remember the first message
        }
        throw new ChatTemplateException(text, true);
    }

    /** Whether {@code name} is a variable the caller bound to None (and the template has not reassigned). */
    static boolean boundNone(String name) {
        JinjavaInterpreter current = JinjavaInterpreter.getCurrent();
        return NONE_BOUND.get().contains(name) && (current == null || current.getContext().get(name) == null);
    }

    /** transformers' {@code strftime_now}: {@code datetime.now().strftime(format)} in local time. */
    static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format, Locale.US);
    }

    /** {@code {{ x }}} prints {@code str(x)} as Python does: {@code True}, {@code None}, {@code ['a']}. */
    private static RenderedOutputNode printExpression(ExpressionToken token, JinjavaInterpreter interpreter) {
        Object value = interpreter.resolveELExpression(token.getExpr(), token.getLineNumber());
        if (value == null) {
            // Jinjava has one null for Jinja2's Undefined (prints "") and None (prints "None"); a name
            // bound to null in the context is a None, anything else is taken as undefined
            String expr = token.getExpr().trim();
            if (expr.equals("none") || expr.equals("None")) return new RenderedOutputNode("None");
            boolean boundNone = NONE_BOUND.get().contains(expr) && interpreter.getContext().get(expr) == null;
            return new RenderedOutputNode(boundNone ? "None" : "");
        }
        if (value instanceof SafeString s) {
            return new RenderedOutputNode(s.getValue());
        }
        if (value instanceof String) {
            checkConcatenation(token, interpreter);
        }
        return new RenderedOutputNode(PythonStrings.str(value));
    }

    /**
     * Python raises TypeError for {@code 'a' + None} and {@code 'a' + 1}; Jinjava concatenates
     * ({@code "anull"}, {@code "a1"}). For a printed expression with a top-level {@code +}, the operands are
     * evaluated again (templates run sandboxed, so this has no side effects) and a string mixed with a
     * None or a number is the error Jinja2 would raise. A concatenation inside {@code {% set %}} is not checked.
     */
    private static void checkConcatenation(ExpressionToken token, JinjavaInterpreter interpreter) {
        List<String> operands = TemplateSource.topLevelOperands(token.getExpr(), '+');
        if (operands.size() < 2) return;
        boolean text = false, other = false;
        String otherType = null;
        for (String operand : operands) {
            int errors = interpreter.getErrors().size();
            Object v = unwrap(interpreter.resolveELExpression(operand, token.getLineNumber()));
            boolean failed = interpreter.getErrors().size() > errors;
            while (interpreter.getErrors().size() > errors) interpreter.removeLastError();
            if (failed) return; // not an operand after all (e.g. "1e+5"): nothing to check
            if (v instanceof String) text = true;
            else if (v == null || v instanceof Number || v instanceof Boolean) {
                other = true;
                otherType = v == null ? "NoneType" : v instanceof Boolean ? "bool" : v instanceof Double ? "float" : "int";
            }
        }
        if (text && other) {
            throw new ChatTemplateException("cannot render the chat_template: TypeError: can only concatenate str (not \""
                    + otherType + "\") to str in '" + token.getExpr().trim() + "' (template line " + token.getLineNumber()
                    + "); Jinja2 raises this too. A None here usually is a message field set to null", false);
        }
    }

    // ------------------------------------------------------------------ filters

    /** transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=indent)}. */
    private static final class ToJson implements Filter {
        @Override public String getName() { return "tojson"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = args.length > 0 ? args[0] : kwargs.get("indent");
            for (String k : kwargs.keySet()) {
                if (!k.equals("indent")) {
                    throw new ChatTemplateException("tojson: mpo4j supports only the indent argument, not " + k, false);
                }
            }
            return tojson(unwrap(var), indent);
        }
    }

    /**
     * transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=indent)}; {@code indent} is
     * null (one line), a number of spaces, or the text of one level.
     */
    static String tojson(Object x, Object indent) {
        PythonJson json = PythonJson.DEFAULTS.ensureAscii(false);
        if (indent != null) {
            json = indent instanceof Number n ? json.indent(n.intValue()) : json.indent(indent.toString());
        }
        try {
            return json.dumps(x);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tojson: " + e.getMessage(), e);
        }
    }

    /** Jinja2's {@code trim(chars=None)} is Python's {@code str.strip(chars)}. */
    private static final class Trim implements Filter {
        @Override public String getName() { return "trim"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return var == null ? "" : PythonStrings.strip(PythonStrings.str(unwrap(var)), args.length > 0 ? args[0] : null, true, true);
        }
    }

    /** {@code x[start:stop:step]}, rewritten by {@link TemplateSource} into {@code x|mpo4j_slice(start, stop, step)}. */
    private static final class Slice implements Filter {
        @Override public String getName() { return SLICE_FILTER; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object v = unwrap(var);
            Long start = index(args, 0), stop = index(args, 1), step = index(args, 2);
            if (v instanceof CharSequence cs) {
                String s = cs.toString();
                int[] cps = s.codePoints().toArray();
                StringBuilder sb = new StringBuilder();
                for (int i : PythonSlice.indices(cps.length, start, stop, step)) sb.appendCodePoint(cps[i]);
                return sb.toString();
            }
            if (v instanceof List<?> list) {
                List<Object> out = new ArrayList<>();
                for (int i : PythonSlice.indices(list.size(), start, stop, step)) out.add(list.get(i));
                return out;
            }
            throw new ChatTemplateException("cannot slice a " + (v == null ? "None/undefined value" : v.getClass().getSimpleName()), false);
        }

        private static Long index(Object[] args, int i) {
            if (args.length <= i || args[i] == null) return null;
            if (args[i] instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.longValue();
            throw new ChatTemplateException("slice indices must be integers or None, got " + args[i], false);
        }
    }

    /**
     * transformers' {@code {% generation %}...{% endgeneration %}} (its AssistantTracker extension):
     * the body renders unchanged; transformers uses the span only for {@code return_assistant_tokens_mask}.
     */
    private static final class Generation implements com.hubspot.jinjava.lib.tag.Tag {
        @Override public String getName() { return "generation"; }

        @Override public String getEndTagName() { return "endgeneration"; }

        @Override
        public String interpret(com.hubspot.jinjava.tree.TagNode tag, JinjavaInterpreter interpreter) {
            StringBuilder body = new StringBuilder();
            for (Node child : tag.getChildren()) {
                body.append(child.render(interpreter).getValue());
            }
            return body.toString();
        }
    }

    /** Jinja2's {@code sequence} test: anything with a length and items, strings and dicts included. */
    private static final class Sequence implements com.hubspot.jinjava.lib.exptest.ExpTest {
        @Override public String getName() { return "sequence"; }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            Object v = unwrap(var);
            return v instanceof CharSequence || v instanceof List || v instanceof Map || (v != null && v.getClass().isArray());
        }
    }

    static Object unwrap(Object x) {
        return x instanceof SafeString s ? s.getValue() : x;
    }

    // ------------------------------------------------------------------ Python methods

    /**
     * Method calls on strings, dicts and lists resolve to Python's methods: Jinjava would call Java's
     * ({@code split} is a regex split that drops trailing empty parts) or find none ({@code startswith}).
     * Methods that mutate (forbidden by transformers' immutable sandbox) and unknown names are errors.
     */
    private static final class PythonMethods extends ELResolver {
        private static final Set<String> MUTATORS = Set.of("append", "extend", "insert", "pop", "remove", "clear",
                "update", "setdefault", "popitem", "sort", "reverse", "add", "discard");

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            try {
                return call(context, base, method, params);
            } catch (ChatTemplateException e) {
                if (UNSUPPORTED.get() == null) UNSUPPORTED.set(e.getMessage());
                throw e;
            }
        }

        private Object call(ELContext context, Object base, Object method, Object[] params) {
            Object b = unwrap(base);
            String name = String.valueOf(method);
            Object[] args = params == null ? new Object[0] : params;
            for (int i = 0; i < args.length; i++) args[i] = unwrap(args[i]);
            if (b instanceof String s) {
                Object result = stringMethod(s, name, args);
                context.setPropertyResolved(true);
                return result;
            }
            if (b instanceof Map<?, ?> || b instanceof List<?>) {
                String type = b instanceof Map ? "dict" : "list";
                if (MUTATORS.contains(name)) {
                    throw new ChatTemplateException(type + "." + name + "() is not allowed: transformers renders chat "
                            + "templates in Jinja2's ImmutableSandboxedEnvironment", false);
                }
                if (b instanceof Map<?, ?> m && name.equals("get") && (args.length == 1 || args.length == 2)) {
                    context.setPropertyResolved(true);
                    return m.containsKey(args[0]) ? m.get(args[0]) : args.length == 2 ? args[1] : null;
                }
                if (b instanceof List<?> l && name.equals("count") && args.length == 1) {
                    context.setPropertyResolved(true);
                    return (long) Collections.frequency(l, args[0]);
                }
                boolean delegated = b instanceof Map ? Set.of("items", "keys", "values").contains(name) && args.length == 0
                        : name.equals("index") && args.length == 1;
                if (!delegated) {
                    throw new ChatTemplateException(type + " has no method " + name + "() that mpo4j can run as Python does", false);
                }
            }
            return null; // not resolved: Jinjava's own resolvers take it
        }

        private static Object stringMethod(String s, String name, Object[] a) {
            switch (name) {
                case "startswith": return prefixMatch(s, a, true);
                case "endswith": return prefixMatch(s, a, false);
                case "strip": return PythonStrings.strip(s, chars(a, name), true, true);
                case "lstrip": return PythonStrings.strip(s, chars(a, name), true, false);
                case "rstrip": return PythonStrings.strip(s, chars(a, name), false, true);
                case "split": return PythonStrings.split(s, chars(a, name, 2), maxSplit(a));
                case "rsplit": return PythonStrings.rsplit(s, chars(a, name, 2), maxSplit(a));
                case "splitlines": arity(a, 0, 0, name); return PythonStrings.splitlines(s);
                case "replace":
                    arity(a, 2, 3, name);
                    return PythonStrings.replace(s, text(a[0], name), text(a[1], name), a.length > 2 ? ((Number) a[2]).longValue() : -1);
                case "upper": arity(a, 0, 0, name); return s.toUpperCase(Locale.ROOT);
                case "lower": arity(a, 0, 0, name); return s.toLowerCase(Locale.ROOT);
                case "title": arity(a, 0, 0, name); return PythonStrings.title(s);
                case "capitalize": arity(a, 0, 0, name); return PythonStrings.capitalize(s);
                case "find": arity(a, 1, 1, name); return (long) codePointIndex(s, s.indexOf(text(a[0], name)));
                case "rfind": arity(a, 1, 1, name); return (long) codePointIndex(s, s.lastIndexOf(text(a[0], name)));
                case "count": {
                    arity(a, 1, 1, name);
                    String sub = text(a[0], name);
                    if (sub.isEmpty()) return (long) s.codePointCount(0, s.length()) + 1;
                    long n = 0;
                    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
                    return n;
                }
                case "join": {
                    arity(a, 1, 1, name);
                    if (!(a[0] instanceof Iterable<?> items)) throw new ChatTemplateException("str.join needs a list", false);
                    List<String> parts = new ArrayList<>();
                    for (Object o : items) parts.add(text(unwrap(o), name));
                    return String.join(s, parts);
                }
                case "isdigit": arity(a, 0, 0, name); return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
                case "isspace": arity(a, 0, 0, name); return !s.isEmpty() && s.codePoints().allMatch(PythonStrings::isSpace);
                default:
                    throw new ChatTemplateException("str has no method " + name + "() that mpo4j can run as Python does", false);
            }
        }

        private static int codePointIndex(String s, int charIndex) {
            return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
        }

        private static boolean prefixMatch(String s, Object[] a, boolean start) {
            arity(a, 1, 1, start ? "startswith" : "endswith");
            List<Object> options = a[0] instanceof List<?> l ? new ArrayList<>(l) : List.of(a[0]);
            for (Object o : options) {
                String p = text(unwrap(o), start ? "startswith" : "endswith");
                if (start ? s.startsWith(p) : s.endsWith(p)) return true;
            }
            return false;
        }

        private static String chars(Object[] a, String name) {
            return chars(a, name, 1);
        }

        private static String chars(Object[] a, String name, int max) {
            arity(a, 0, max, name);
            return a.length == 0 || a[0] == null ? null : text(a[0], name);
        }

        private static int maxSplit(Object[] a) {
            return a.length > 1 ? ((Number) a[1]).intValue() : -1;
        }

        private static void arity(Object[] a, int min, int max, String name) {
            if (a.length < min || a.length > max) {
                throw new ChatTemplateException("str." + name + "() takes " + (min == max ? min : min + " to " + max)
                        + " arguments, got " + a.length, false);
            }
        }

        private static String text(Object o, String name) {
            if (o instanceof CharSequence cs) return cs.toString();
            throw new ChatTemplateException("str." + name + "(): expected a string argument, got "
                    + (o == null ? "None" : o.getClass().getSimpleName() + " " + o), false);
        }

        @Override public Object getValue(ELContext context, Object base, Object property) { return null; }

        @Override public Class<?> getType(ELContext context, Object base, Object property) { return null; }

        @Override public void setValue(ELContext context, Object base, Object property, Object value) {}

        @Override public boolean isReadOnly(ELContext context, Object base, Object property) { return true; }

        @Override public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) { return null; }

        @Override public Class<?> getCommonPropertyType(ELContext context, Object base) { return null; }
    }
}
