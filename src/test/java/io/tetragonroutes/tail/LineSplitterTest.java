package io.tetragonroutes.tail;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LineSplitterTest {

    /** The word-at-a-time scan finds what a byte loop finds, at every alignment and with bytes near '\n'. */
    @Test
    void newlineScanMatchesAByteLoop() {
        Random r = new Random(7);
        byte[] alphabet = {'\n', 0x0B, 0x09, 0x0A | (byte) 0x80, (byte) 0x8A, 0, 1, (byte) 0xFF, 'a', '"'};
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[1 + r.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                b[i] = r.nextInt(4) == 0 ? alphabet[r.nextInt(alphabet.length)] : (byte) r.nextInt(256);
            }
            int from = r.nextInt(b.length);
            int to = from + r.nextInt(b.length - from + 1);
            assertEquals(byteLoop(b, from, to), LineSplitter.indexOfNewline(b, from, to),
                    () -> java.util.Arrays.toString(b) + " from " + from + " to " + to);
        }
    }

    private static int byteLoop(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
