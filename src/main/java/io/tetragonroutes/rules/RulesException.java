package io.tetragonroutes.rules;

/** A rules file that cannot be used: the message names the file, the line and the rule. */
public final class RulesException extends RuntimeException {

    public RulesException(String message) {
        super(message);
    }

    public RulesException(String message, Throwable cause) {
        super(message, cause);
    }
}
