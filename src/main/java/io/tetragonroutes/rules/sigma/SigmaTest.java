package io.tetragonroutes.rules.sigma;

import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.Condition;
import io.tetragonroutes.rules.TextSource;

import java.util.List;

/**
 * One Sigma field test: any text at {@code source} passes {@code test}. {@code key} is what the rule index needs of
 * the value (a suffix for {@code Image|endswith}), or null when it cannot say (a regex, a number).
 */
record SigmaTest(TextSource source, TextSource.TextTest test, Condition.Key key, String what,
                 TextSource.EventTest bound) implements Condition {

    /** @param covering the test is a substring or suffix test: the source's covering values are enough */
    SigmaTest(TextSource source, TextSource.TextTest test, Condition.Key key, String what, boolean covering) {
        this(source, test, key, what, source.bind(test, covering));
    }

    SigmaTest(TextSource source, TextSource.TextTest test, Condition.Key key, String what) {
        this(source, test, key, what, false);
    }

    @Override
    public boolean test(TetragonEvent e) {
        return bound.test(e);
    }

    @Override
    public List<Key> keys() {
        return key == null ? null : List.of(key);
    }

    @Override
    public String toString() {
        return source.text() + " " + what;
    }
}
