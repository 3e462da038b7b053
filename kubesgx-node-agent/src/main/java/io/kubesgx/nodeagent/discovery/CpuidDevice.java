package io.kubesgx.nodeagent.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads CPUID through the Linux cpuid driver, {@code /dev/cpu/N/cpuid}.
 *
 * <p>A read of 16 bytes at file position {@code leaf | subleaf << 32} returns EAX, EBX, ECX, EDX
 * as little-endian u32 (Linux {@code arch/x86/kernel/cpuid.c}; kubernetes-sgx.md §6.2). The result
 * is a dump in the format {@link SgxCpuid#parse} expects, so the bytes are decoded by one parser.
 */
public final class CpuidDevice {
  private CpuidDevice() {}

  /**
   * Reads leaf 7.0 and leaf 0x12 sub-leaves 0.. until the first EPC section not of type 1.
   *
   * @throws IOException if the device cannot be opened or a read is short
   */
  public static byte[] readSgxDump(Path cpuidDevice) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (FileChannel ch = FileChannel.open(cpuidDevice, StandardOpenOption.READ)) {
      byte[] leaf7 = read(ch, 7, 0);
      out.write(leaf7);
      boolean sgx = (leaf7[4] & 0x04) != 0;
      if (!sgx) {
        return out.toByteArray();
      }
      out.write(read(ch, 0x12, 0));
      out.write(read(ch, 0x12, 1));
      for (int i = 0; i < SgxCpuid.MAX_EPC_SECTIONS; i++) {
        byte[] regs = read(ch, 0x12, SgxCpuid.FIRST_EPC_SUBLEAF + i);
        out.write(regs);
        if ((regs[0] & 0x0f) != 1) {
          break; // end of the list (type 0), or a type the parser reports
        }
      }
    }
    return out.toByteArray();
  }

  private static byte[] read(FileChannel ch, int leaf, int subleaf) throws IOException {
    long position = (leaf & 0xffffffffL) | ((long) subleaf << 32);
    ByteBuffer buf = ByteBuffer.allocate(SgxCpuid.REGISTERS_SIZE);
    while (buf.hasRemaining()) {
      int n = ch.read(buf, position + buf.position());
      if (n < 0) {
        throw new IOException(
            String.format("short read of CPUID leaf 0x%x sub-leaf %d", leaf, subleaf));
      }
    }
    return buf.array();
  }
}
