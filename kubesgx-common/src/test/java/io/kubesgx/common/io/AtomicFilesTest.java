package io.kubesgx.common.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @Test
  void write_secretAndPublic_contentReplacedWithModesAndNoTemporaryLeft(@TempDir Path dir) throws Exception {
    Path s = dir.resolve("secret.json");
    AtomicFiles.write(s, new byte[] {1}, true);
    AtomicFiles.write(s, new byte[] {2, 3}, true);
    assertArrayEquals(new byte[] {2, 3}, Files.readAllBytes(s));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s)));
    Path p = dir.resolve("public.json");
    AtomicFiles.write(p, new byte[] {4}, false);
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
    try (var l = Files.list(dir)) {
      assertEquals(2, l.count(), "no temporary file is left behind");
    }
  }

  @Test
  void createPrivateDirectory_concurrentCallers_allSucceedWithMode0700(@TempDir Path dir) throws Exception {
    Path target = dir.resolve("a").resolve("b");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      fs.add(pool.submit(() -> {
        go.await();
        AtomicFiles.createPrivateDirectory(target);
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    assertTrue(Files.isDirectory(target));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
  }

  @Test
  void createPrivateDirectory_fileInTheWay_fails(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("x"), "file");
    assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.createPrivateDirectory(f));
  }
}
