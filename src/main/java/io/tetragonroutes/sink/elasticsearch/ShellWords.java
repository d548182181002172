package io.tetragonroutes.sink.elasticsearch;

import java.util.List;

/**
 * Tetragon's {@code arguments} string back into words. Tetragon joins argv[1..] with spaces and wraps an argument
 * that holds a space in double quotes ({@code -c "command -v bash"}), so: whitespace separates words, a double-quoted
 * run is part of one word (its quotes dropped, {@code \"} and {@code \\} inside it unescaped), and everything else,
 * backslashes and single quotes included, is taken as written. An unclosed quote runs to the end.
 */
final class ShellWords {

    private ShellWords() {
    }

    static void split(String s, List<String> out) {
        StringBuilder word = new StringBuilder();
        boolean inWord = false, quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '"' || s.charAt(i + 1) == '\\')) {
                    word.append(s.charAt(++i));
                } else if (c == '"') {
                    quoted = false;
                } else {
                    word.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
    }
}
