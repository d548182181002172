package io.tetragonroutes.rules;

import io.tetragonroutes.event.TetragonEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled, immutable set of rules, indexed so that each event is tested only against rules that can match it:
 * by event type, and for hook events by kernel function. The candidate lists are built at load, in rule order,
 * so the hot path does one or two map lookups and no allocation.
 */
public final class RuleSet {

    private final List<Rule> rules;
    private final Rule[] anyType;
    private final Map<String, Rule[]> byType = new HashMap<>();
    private final Map<String, Map<String, Rule[]>> byTypeFunction = new HashMap<>();

    public RuleSet(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        Set<String> types = new HashSet<>();
        for (Rule r : rules) {
            Set<String> t = r.match().eventKeys();
            if (t != null) {
                types.addAll(t);
            }
        }
        anyType = select(null, null);
        for (String type : types) {
            byType.put(type, select(type, null));
            Set<String> fns = new HashSet<>();
            for (Rule r : rules) {
                if (applies(r.match().eventKeys(), type) && r.match().functions() != null) {
                    fns.addAll(r.match().functions());
                }
            }
            if (!fns.isEmpty()) {
                Map<String, Rule[]> m = new HashMap<>();
                for (String fn : fns) {
                    m.put(fn, select(type, fn));
                }
                m.put("", select(type, "")); // a function no rule names
                byTypeFunction.put(type, m);
            }
        }
    }

    public static RuleSet empty() {
        return new RuleSet(List.of());
    }

    public List<Rule> rules() {
        return rules;
    }

    public int size() {
        return rules.size();
    }

    /** The rules that can match {@code e}, in rule order. */
    public Rule[] candidates(TetragonEvent e) {
        Rule[] forType = byType.get(e.typeKey());
        if (forType == null) {
            return anyType;
        }
        Map<String, Rule[]> fm = byTypeFunction.get(e.typeKey());
        if (fm == null) {
            return forType;
        }
        String fn = e.functionName();
        Rule[] forFn = fm.get(fn == null ? "" : fn);
        return forFn != null ? forFn : fm.get("");
    }

    /** Rules for a type (null = a type no rule names) and function (null = do not filter, "" = none named). */
    private Rule[] select(String type, String fn) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : rules) {
            Set<String> t = r.match().eventKeys();
            if (type == null ? t != null : !applies(t, type)) {
                continue;
            }
            Set<String> f = r.match().functions();
            if (fn != null && f != null && !f.contains(fn)) {
                continue;
            }
            out.add(r);
        }
        return out.toArray(Rule[]::new);
    }

    private static boolean applies(Set<String> keys, String type) {
        return keys == null || keys.contains(type);
    }

    /** Stops what the rules' hooks run (timers of Parseable targets). */
    public void close() {
        for (Rule r : rules) {
            if (r.hook() != null) {
                r.hook().close();
            }
        }
    }
}
