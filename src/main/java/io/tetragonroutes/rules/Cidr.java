package io.tetragonroutes.rules;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network, and an address parser that never resolves names (rule values are literal IPs). */
public final class Cidr {

    private final byte[] net;
    private final int bits;

    private Cidr(byte[] net, int bits) {
        this.net = net;
        this.bits = bits;
    }

    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        byte[] ip = address(slash < 0 ? text : text.substring(0, slash));
        if (ip == null) {
            throw new IllegalArgumentException("bad CIDR '" + text + "': not an IPv4 or IPv6 address");
        }
        int bits;
        try {
            bits = slash < 0 ? ip.length * 8 : Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad CIDR '" + text + "': prefix length is not a number");
        }
        if (bits < 0 || bits > ip.length * 8) {
            throw new IllegalArgumentException("bad CIDR '" + text + "': prefix length out of range");
        }
        return new Cidr(ip, bits);
    }

    public boolean contains(byte[] ip) {
        if (ip.length != net.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (ip[i] != net[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (ip[full] & mask) == (net[full] & mask);
    }

    /** 4 or 16 bytes, or null when the text is not a literal address. */
    public static byte[] address(String s) {
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                    return null; // also keeps zone ids and names away from InetAddress
                }
            }
            try {
                // with a ':' InetAddress parses an IPv6 literal and never looks the text up
                byte[] b = InetAddress.getByName(s).getAddress();
                return b.length == 16 ? b : null;
            } catch (UnknownHostException e) {
                return null;
            }
        }
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else if (c == '.' && value >= 0 && part < 4) {
                out[part++] = (byte) value;
                value = -1;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }
}
