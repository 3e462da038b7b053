package io.kubesgx.cli;

import io.kubesgx.common.Bytes;
import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonBuilder;
import io.kubesgx.common.json.JsonValue;
import io.kubesgx.enclave.Attributes;
import io.kubesgx.enclave.SgxsImage;
import io.kubesgx.enclave.Sigstruct;
import io.kubesgx.enclave.SigstructCheck;
import io.kubesgx.enclave.SigstructSigner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kubesgx enclave ...}: measure {@code .sgxs} images, sign and inspect SIGSTRUCTs, make signing keys. */
@Command(
    name = "enclave",
    mixinStandardHelpOptions = true,
    description = "Enclave tools: MRENCLAVE of .sgxs images, SIGSTRUCT signing and inspection, signing keys.",
    subcommands = {EnclaveCommand.Measure.class, EnclaveCommand.Sign.class, EnclaveCommand.Show.class,
        EnclaveCommand.Keygen.class})
final class EnclaveCommand {
  private static final String TEST_SIGNER_WARNING =
      "WARNING: MRSIGNER is the known test signer (a publicly published key); anyone can sign enclaves with this "
          + "identity, so it proves nothing about who built the enclave";

  EnclaveCommand() {}

  /** {@code kubesgx enclave measure IMAGE.sgxs}. */
  @Command(name = "measure", mixinStandardHelpOptions = true,
      description = "Compute MRENCLAVE of a Fortanix .sgxs image. Exit 0 measured, 2 malformed image or I/O error.")
  static final class Measure implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "IMAGE.sgxs", description = "SGXS measurement stream (Fortanix format, UNMEASRD allowed).")
    Path image;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        SgxsImage img = SgxsImage.read(image);
        if (json) {
          out.println(Json.write(JsonBuilder.object()
              .put("mrEnclave", img.mrEnclave().hex())
              .put("enclaveSize", img.enclaveSize())
              .put("ssaFrameSizePages", img.ssaFrameSizePages())
              .put("records", JsonBuilder.object().put("ECREATE", 1).put("EADD", img.eaddCount())
                  .put("EEXTEND", img.eextendCount()).put("UNMEASRD", img.unmeasuredCount()).build())
              .build()));
        } else {
          out.println("MRENCLAVE: " + img.mrEnclave().hex());
          out.println("ECREATE:   size " + img.enclaveSize() + " bytes (0x" + Long.toHexString(img.enclaveSize())
              + "), SSA frame size " + img.ssaFrameSizePages() + " page(s)");
          out.println("records:   1 ECREATE, " + img.eaddCount() + " EADD, " + img.eextendCount() + " EEXTEND, "
              + img.unmeasuredCount() + " UNMEASRD");
        }
        out.flush();
        return Main.OK;
      } catch (MalformedInputException e) {
        return fail(err, "malformed SGXS image " + image + ": " + e.getMessage());
      } catch (IOException e) {
        return fail(err, "cannot read SGXS image " + image + ": " + e);
      }
    }
  }

  /** {@code kubesgx enclave sign}. */
  @Command(name = "sign", mixinStandardHelpOptions = true,
      description = {"Sign an enclave: write a 1808-byte SIGSTRUCT (RSA-3072, e=3).",
          "Defaults are those of Fortanix sgxs-sign. Numbers are decimal or 0x-hex. As in sgxs-sign, the "
              + "MASK part of VALUE/MASK options is the INVERSE of the mask written (the bits NOT enforced); "
              + "without /MASK the value is used as its own inverse mask.",
          "Exit 0 signed, 2 usage, key or I/O error."})
  static final class Sign implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "KEY.pem",
        description = "RSA-3072 private key with public exponent 3, PEM (PKCS#1 or PKCS#8, unencrypted).")
    Path key;

    @Option(names = "--image", paramLabel = "IMAGE.sgxs", description = "Measure this .sgxs image for ENCLAVEHASH.")
    Path image;

    @Option(names = "--enclave-hash", paramLabel = "HEX", description = "ENCLAVEHASH (MRENCLAVE) as 64 hex digits.")
    String enclaveHash;

    @Option(names = "--out", required = true, paramLabel = "SIGSTRUCT", description = "Output file (overwritten).")
    Path out;

    @Option(names = "--date", paramLabel = "YYYYMMDD", description = "DATE field (default: today, UTC).")
    String date;

    @Option(names = "--isvprodid", paramLabel = "N", description = "ISVPRODID (default: 0).")
    String isvProdId;

    @Option(names = "--isvsvn", paramLabel = "N", description = "ISVSVN (default: 0).")
    String isvSvn;

    @Option(names = "--debug",
        description = "Set DEBUG in ATTRIBUTES and clear it in ATTRIBUTEMASK (a debuggable enclave), as sgxs-sign -d.")
    boolean debug;

    @Option(names = "--vendor", paramLabel = "N", description = "VENDOR (default: 0; Intel uses 0x8086).")
    String vendor;

    @Option(names = "--swdefined", paramLabel = "N", description = "SWDEFINED (default: 0).")
    String swDefined;

    @Option(names = "--attributes", paramLabel = "FLAGS[/MASK]",
        description = "ATTRIBUTES.FLAGS and the inverse of ATTRIBUTEMASK.FLAGS, as sgxs-sign -a (default: 0x4/0x2, "
            + "i.e. MODE64BIT with mask ~DEBUG).")
    String attributes;

    @Option(names = "--xfrm", paramLabel = "VALUE[/MASK]",
        description = "ATTRIBUTES.XFRM and the inverse of ATTRIBUTEMASK.XFRM, as sgxs-sign -x: 3/0xe4 writes XFRM 3 "
            + "with mask ~0xe4 = 0xffffffffffffff1b (default: 3 with mask ~0x3).")
    String xfrm;

    @Option(names = "--miscselect", paramLabel = "VALUE[/MASK]",
        description = "MISCSELECT and the inverse of MISCMASK, as sgxs-sign -m (default: 0/0, i.e. MISCMASK 0xffffffff).")
    String miscSelect;

    @Override
    public Integer call() {
      PrintWriter stdout = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        if ((image == null) == (enclaveHash == null)) {
          throw new Inputs.UsageException("give exactly one of --image IMAGE.sgxs or --enclave-hash HEX");
        }
        Bytes hash = image != null ? measure(image) : Inputs.exactHex(enclaveHash.trim(), "--enclave-hash", 32);
        RSAPrivateCrtKey k = readKey(key);
        SigstructSigner s = SigstructSigner.newBuilder().enclaveHash(hash);
        if (date != null) {
          if (!date.matches("\\d{8}")) {
            throw new Inputs.UsageException("--date must be YYYYMMDD, got '" + date + "'");
          }
          s.date(Integer.parseUnsignedInt(date, 16));
        }
        if (isvProdId != null) {
          s.isvProdId((int) number("--isvprodid", isvProdId, 0xffff));
        }
        if (isvSvn != null) {
          s.isvSvn((int) number("--isvsvn", isvSvn, 0xffff));
        }
        if (vendor != null) {
          s.vendor(number("--vendor", vendor, 0xffffffffL));
        }
        if (swDefined != null) {
          s.swDefined(number("--swdefined", swDefined, 0xffffffffL));
        }
        long[] flags = pair("--attributes", attributes == null ? "0x4/0x2" : attributes, -1L);
        long attrFlags = flags[0];
        long attrMask = ~flags[1];
        if (debug) {
          attrFlags |= Attributes.DEBUG;
          attrMask &= ~Attributes.DEBUG;
        }
        long[] x = pair("--xfrm", xfrm == null ? "3/3" : xfrm, -1L);
        s.attributes(new Attributes(attrFlags, x[0]), new Attributes(attrMask, ~x[1]));
        long[] misc = pair("--miscselect", miscSelect == null ? "0/0" : miscSelect, 0xffffffffL);
        s.miscSelect(misc[0], ~misc[1] & 0xffffffffL);
        Sigstruct sig = s.sign(k);
        Files.write(out, sig.toBytes().toByteArray());
        stdout.println("ENCLAVEHASH: " + sig.enclaveHash().hex());
        stdout.println("MRSIGNER:    " + sig.mrSigner().hex());
        stdout.println("wrote SIGSTRUCT to " + out);
        if (sig.isKnownTestSigner()) {
          stdout.println(TEST_SIGNER_WARNING);
        }
        stdout.flush();
        return Main.OK;
      } catch (Inputs.UsageException e) {
        return fail(err, e.getMessage());
      } catch (IllegalArgumentException e) {
        return fail(err, e.getMessage());
      } catch (IOException e) {
        return fail(err, "cannot write " + out + ": " + e);
      }
    }

    private static Bytes measure(Path image) throws Inputs.UsageException {
      try {
        return SgxsImage.read(image).mrEnclave();
      } catch (MalformedInputException e) {
        throw new Inputs.UsageException("malformed SGXS image " + image + ": " + e.getMessage(), e);
      } catch (IOException e) {
        throw new Inputs.UsageException("cannot read SGXS image " + image + ": " + e, e);
      }
    }
  }

  /** {@code kubesgx enclave show SIGSTRUCT}. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print every SIGSTRUCT field, MRSIGNER and the signature verdict. Exit 0 valid, 1 invalid "
          + "signature, 2 malformed input or I/O error.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SIGSTRUCT", description = "1808-byte SIGSTRUCT file.")
    Path file;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Sigstruct s;
      try {
        s = Sigstruct.parse(Bytes.of(Inputs.readFile(file, "SIGSTRUCT")));
      } catch (Inputs.UsageException e) {
        return fail(err, e.getMessage());
      } catch (MalformedInputException e) {
        return fail(err, "malformed SIGSTRUCT " + file + ": " + e.getMessage());
      }
      SigstructCheck c = s.verify();
      List<String> warnings = new ArrayList<>();
      if (s.isKnownTestSigner()) {
        warnings.add(TEST_SIGNER_WARNING);
      }
      if (json) {
        out.println(Json.write(toJson(s, c, warnings)));
      } else {
        out.println(human(s, c));
        for (String w : warnings) {
          out.println(w);
        }
      }
      out.flush();
      return c.ok() ? Main.OK : Main.REJECTED;
    }

    private static String human(Sigstruct s, SigstructCheck c) {
      StringBuilder b = new StringBuilder();
      b.append(c.ok() ? "VALID" : "INVALID").append(" SIGSTRUCT\n");
      line(b, "ENCLAVEHASH", s.enclaveHash().hex());
      line(b, "MRSIGNER", s.mrSigner().hex());
      line(b, "ISVPRODID", Integer.toString(s.isvProdId()));
      line(b, "ISVSVN", Integer.toString(s.isvSvn()));
      line(b, "DATE", s.dateIso() + String.format(" (0x%08x)", s.date()));
      line(b, "TYPE", String.format("0x%08x", s.type()) + (s.isDebugSigned() ? " (debug-signed)" : ""));
      line(b, "VENDOR", "0x" + Long.toHexString(s.vendor()) + (s.vendor() == Sigstruct.VENDOR_INTEL ? " (Intel)" : ""));
      line(b, "SWDEFINED", "0x" + Long.toHexString(s.swDefined()));
      line(b, "ATTRIBUTES", flagsAndXfrm(s.attributes()) + (s.attributes().has(Attributes.DEBUG) ? " (DEBUG)" : ""));
      line(b, "ATTRIBUTEMASK", flagsAndXfrm(s.attributeMask()));
      line(b, "MISCSELECT", "0x" + Long.toHexString(s.miscSelect()));
      line(b, "MISCMASK", "0x" + Long.toHexString(s.miscMask()));
      line(b, "CET_ATTRIBUTES", "0x" + Integer.toHexString(s.cetAttributes()) + " mask 0x"
          + Integer.toHexString(s.cetAttributesMask()));
      line(b, "ISVFAMILYID", s.isvFamilyId().hex());
      line(b, "ISVEXTPRODID", s.isvExtProdId().hex());
      line(b, "EXPONENT", s.exponent() + (c.exponentIsThree() ? "" : " (INVALID: must be 3)"));
      line(b, "signature", c.signatureValid() ? "valid (RSA-3072 PKCS#1 v1.5 SHA-256)" : "INVALID");
      line(b, "Q1/Q2", c.q1q2Valid() ? "valid" : "INVALID");
      b.setLength(b.length() - 1);
      return b.toString();
    }

    private static void line(StringBuilder b, String name, String value) {
      b.append("  ").append(String.format("%-15s", name + ":")).append(value).append('\n');
    }

    private static String flagsAndXfrm(Attributes a) {
      return "flags 0x" + Long.toHexString(a.flags()) + " xfrm 0x" + Long.toHexString(a.xfrm());
    }

    private static JsonValue toJson(Sigstruct s, SigstructCheck c, List<String> warnings) {
      return JsonBuilder.object()
          .put("valid", c.ok())
          .put("enclaveHash", s.enclaveHash().hex())
          .put("mrSigner", s.mrSigner().hex())
          .put("knownTestSigner", s.isKnownTestSigner())
          .put("isvProdId", s.isvProdId())
          .put("isvSvn", s.isvSvn())
          .put("date", s.dateIso())
          .put("dateBcd", String.format("0x%08x", s.date()))
          .put("type", String.format("0x%08x", s.type()))
          .put("debugSigned", s.isDebugSigned())
          .put("vendor", s.vendor())
          .put("swDefined", s.swDefined())
          .put("attributes", attributesJson(s.attributes()))
          .put("attributeMask", attributesJson(s.attributeMask()))
          .put("miscSelect", "0x" + Long.toHexString(s.miscSelect()))
          .put("miscMask", "0x" + Long.toHexString(s.miscMask()))
          .put("cetAttributes", s.cetAttributes())
          .put("cetAttributesMask", s.cetAttributesMask())
          .put("isvFamilyId", s.isvFamilyId().hex())
          .put("isvExtProdId", s.isvExtProdId().hex())
          .put("exponent", s.exponent())
          .put("modulus", s.modulus().hex())
          .put("verification", JsonBuilder.object()
              .put("signatureValid", c.signatureValid())
              .put("exponentIsThree", c.exponentIsThree())
              .put("q1q2Valid", c.q1q2Valid())
              .build())
          .putStrings("warnings", warnings)
          .build();
    }

    private static JsonValue attributesJson(Attributes a) {
      return JsonBuilder.object()
          .put("flags", "0x" + Long.toHexString(a.flags()))
          .put("xfrm", "0x" + Long.toHexString(a.xfrm()))
          .build();
    }
  }

  /** {@code kubesgx enclave keygen --out KEY.pem}. */
  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = "Generate an enclave signing key: RSA-3072, public exponent 3, PKCS#8 PEM, file mode 0600. "
          + "Exit 0 written, 2 error.")
  static final class Keygen implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "KEY.pem", description = "Output file (must not exist).")
    Path out;

    @Option(names = "--force", description = "Replace an existing output file.")
    boolean force;

    @Override
    public Integer call() {
      PrintWriter stdout = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      RSAPrivateCrtKey k = SigstructSigner.generateKey(new SecureRandom());
      byte[] pem = SigstructSigner.toPkcs8Pem(k).getBytes(StandardCharsets.US_ASCII);
      try {
        if (force) {
          Files.deleteIfExists(out);
        }
        try {
          Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
          Files.createFile(out); // not a POSIX file system: the platform's default protection applies
        }
        Files.write(out, pem);
      } catch (FileAlreadyExistsException e) {
        return fail(err, out + " already exists; choose another path or pass --force");
      } catch (IOException e) {
        return fail(err, "cannot write key to " + out + ": " + e);
      }
      stdout.println("wrote RSA-3072 (e=3) enclave signing key to " + out);
      stdout.println("MRSIGNER: " + SigstructSigner.mrSigner(k).hex());
      stdout.flush();
      return Main.OK;
    }
  }

  private static int fail(PrintWriter err, String message) {
    err.println("error: " + message);
    err.flush();
    return Main.USAGE_OR_IO;
  }

  private static RSAPrivateCrtKey readKey(Path key) throws Inputs.UsageException {
    byte[] pem = Inputs.readFile(key, "key");
    try {
      return SigstructSigner.readPrivateKeyPem(new String(pem, StandardCharsets.US_ASCII));
    } catch (MalformedInputException e) {
      throw new Inputs.UsageException("key file " + key + ": " + e.getMessage(), e);
    }
  }

  /** Parses decimal or 0x-hex, at most {@code max} (unsigned; -1 means the full 64 bits). */
  static long number(String option, String text, long max) throws Inputs.UsageException {
    String t = text.trim();
    long v;
    try {
      v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseUnsignedLong(t);
    } catch (NumberFormatException e) {
      throw new Inputs.UsageException(option + ": '" + text + "' is not a decimal or 0x-hex number", e);
    }
    if (max != -1L && Long.compareUnsigned(v, max) > 0) {
      throw new Inputs.UsageException(option + ": " + text + " is larger than the maximum 0x" + Long.toHexString(max));
    }
    return v;
  }

  /** Parses {@code VALUE[/INVERSE_MASK]}; without the mask part the value is used twice (sgxs-sign). */
  static long[] pair(String option, String text, long max) throws Inputs.UsageException {
    int slash = text.indexOf('/');
    long value = number(option, slash < 0 ? text : text.substring(0, slash), max);
    long inverseMask = slash < 0 ? value : number(option, text.substring(slash + 1), max);
    return new long[] {value, inverseMask};
  }
}
