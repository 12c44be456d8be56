package dev.ferry.router.tenant;

/** What a backend might make of a raw path: percent-decoding, separators, dot segments. */
final class PathText {
    private PathText() {}

    /** The first index at or after {@code from} of any of {@code chars}, or the length of {@code text}. */
    static int indexOfAny(String text, int from, String chars) {
        for (int i = from; i < text.length(); i++) {
            if (chars.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }

    static boolean isSeparator(char c) {
        return c == '/' || c == '\\';
    }

    /** Whether {@code path[from, to)}, without its {@code ;parameters}, equals {@code name} ignoring case. */
    static boolean segmentNameEquals(String path, int from, int to, String name) {
        int nameEnd = indexOfAny(path, from, ";");
        return Math.min(nameEnd, to) - from == name.length() && path.regionMatches(true, from, name, 0, name.length());
    }

    /**
     * What in a raw path could make a backend read it as another path, or {@code null} when nothing does: a dot
     * segment, an empty segment, a backslash, or a percent-encoded dot, separator or percent sign.
     */
    static String ambiguity(String path) {
        int from = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\') {
                return "a backslash";
            }
            if (c == '%' && i + 2 < path.length()) {
                String encoded = encodedMeaning(path.charAt(i + 1), path.charAt(i + 2));
                if (encoded != null) {
                    return "an encoded " + encoded + " (%" + path.charAt(i + 1) + path.charAt(i + 2) + ")";
                }
            }
            if (c == '/') {
                if (i > 0 && path.charAt(i - 1) == '/') {
                    return "an empty segment ('//')";
                }
                String dots = dotSegment(path, from, i);
                if (dots != null) {
                    return dots;
                }
                from = i + 1;
            }
        }
        return dotSegment(path, from, path.length());
    }

    /** Percent-decodes ASCII escapes, again while escapes remain (at most three rounds: {@code %252e} → {@code .}). */
    static String decode(String path) {
        String current = path;
        for (int round = 0; round < 3 && current.indexOf('%') >= 0; round++) {
            current = decodeOnce(current);
        }
        return current;
    }

    private static String decodeOnce(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int high = i + 2 < text.length() && c == '%' ? Character.digit(text.charAt(i + 1), 16) : -1;
            int low = high >= 0 ? Character.digit(text.charAt(i + 2), 16) : -1;
            if (low >= 0) {
                int value = high * 16 + low;
                out.append(value < 0x80 ? (char) value : '?');
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String encodedMeaning(char high, char low) {
        if (high == '2' && (low == 'e' || low == 'E')) {
            return "'.'";
        }
        if (high == '2' && (low == 'f' || low == 'F')) {
            return "'/'";
        }
        if (high == '5' && (low == 'c' || low == 'C')) {
            return "'\\'";
        }
        if (high == '2' && low == '5') {
            return "'%'";
        }
        return null;
    }

    private static String dotSegment(String path, int from, int to) {
        if (segmentNameEquals(path, from, to, "..")) {
            return "a '..' segment";
        }
        if (segmentNameEquals(path, from, to, ".")) {
            return "a '.' segment";
        }
        return null;
    }
}
