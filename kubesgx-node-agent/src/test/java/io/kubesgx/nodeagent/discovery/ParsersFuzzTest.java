package io.kubesgx.nodeagent.discovery;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubesgx.common.MalformedInputException;
import java.nio.charset.StandardCharsets;

/** Fuzz targets: every parser of host files returns a value or throws MalformedInputException. */
class ParsersFuzzTest {
  @FuzzTest
  void cpuid(byte[] data) {
    try {
      SgxCpuid c = SgxCpuid.parse(data);
      if (c.totalEpcBytes() < 0) {
        throw new AssertionError("negative EPC total");
      }
    } catch (MalformedInputException expected) {
      // documented failure
    }
  }

  @FuzzTest
  void cpuinfo(byte[] data) {
    try {
      CpuFlags.parse(new String(data, StandardCharsets.UTF_8));
    } catch (MalformedInputException expected) {
      // documented failure
    }
  }

  @FuzzTest
  void cpuinfoStream(byte[] data) throws java.io.IOException {
    CpuFlags streamed = null;
    try {
      streamed = CpuFlags.read(new java.io.ByteArrayInputStream(data));
    } catch (MalformedInputException expected) {
      // documented failure
    }
    if (streamed != null && data.length < 4096 && isAscii(data)) {
      try {
        if (!streamed.equals(CpuFlags.parse(new String(data, StandardCharsets.US_ASCII)))) {
          throw new AssertionError("streamed and in-memory parses differ");
        }
      } catch (MalformedInputException e) {
        throw new AssertionError("the stream parsed but the text did not", e);
      }
    }
  }

  private static boolean isAscii(byte[] data) {
    for (byte b : data) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  @FuzzTest
  void sysfsNumber(byte[] data) {
    try {
      if (SysfsNumber.parse(new String(data, StandardCharsets.UTF_8), "fuzz") < 0) {
        throw new AssertionError("negative number");
      }
    } catch (MalformedInputException expected) {
      // documented failure
    }
  }

  @FuzzTest
  void miscCgroup(byte[] data) {
    try {
      MiscCgroupFile.parse(new String(data, StandardCharsets.UTF_8));
    } catch (MalformedInputException expected) {
      // documented failure
    }
  }
}
