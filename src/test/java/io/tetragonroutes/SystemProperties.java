package io.tetragonroutes;

import java.util.ArrayList;
import java.util.List;

/**
 * System properties a test sets the way {@code -D} on the command line would (Camel Main, {@code check} and
 * {@code backfill} read them), and clears again afterwards: call {@link #clear()} from {@code @AfterEach}.
 */
public final class SystemProperties {

    private final List<String> set = new ArrayList<>();

    public void set(String key, String value) {
        System.setProperty(key, value);
        set.add(key);
    }

    public void clear() {
        set.forEach(System::clearProperty);
        set.clear();
    }
}
