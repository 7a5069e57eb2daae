package dev.loopkit.llm.tools;

import static dev.loopkit.llm.tools.ToolRunner.call;
import static dev.loopkit.llm.tools.ToolRunner.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loopkit.core.InputException;
import dev.loopkit.llm.ContentBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code read_file} on images: told by their first bytes, capped in size, returned as image blocks. */
class ReadImageTest {
  /** The 8-byte PNG signature followed by the start of an IHDR chunk. */
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D',
      'R', 0, 0, 0, 1};

  @TempDir
  Path ws;

  @Test
  void aPngIsReturnedAsAnImageBlockWithALineAboutIt() throws Exception {
    Files.write(ws.resolve("logo.png"), PNG);

    ToolOutput out = call(WorkspaceTools.defaults().open(ws), "read_file", json("path", "logo.png"));

    assertFalse(out.isError(), out.text());
    assertEquals("logo.png: image/png image, 20 bytes (the image follows)", out.text());
    assertEquals(1, out.images().size());
    ContentBlock.Image image = out.images().get(0);
    assertEquals("image/png", image.mediaType());
    assertEquals(Base64.getEncoder().encodeToString(PNG), image.base64());
  }

  @Test
  void theTypeComesFromTheBytesNotTheName() throws Exception {
    Files.write(ws.resolve("photo.dat"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16});
    Files.write(ws.resolve("anim"), "GIF89a\u0001\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    Files.write(ws.resolve("pic.webp"), "RIFF\u0010\u0000\u0000\u0000WEBPVP8 ".getBytes(
        java.nio.charset.StandardCharsets.ISO_8859_1));
    Files.writeString(ws.resolve("fake.png"), "not an image\n");
    Toolbox box = WorkspaceTools.defaults().open(ws);

    assertEquals("image/jpeg", call(box, "read_file", json("path", "photo.dat")).images().get(0).mediaType());
    assertEquals("image/gif", call(box, "read_file", json("path", "anim")).images().get(0).mediaType());
    assertEquals("image/webp", call(box, "read_file", json("path", "pic.webp")).images().get(0).mediaType());
    ToolOutput text = call(box, "read_file", json("path", "fake.png"));
    assertEquals("not an image\n", text.text());
    assertTrue(text.images().isEmpty());
  }

  @Test
  void anImageAboveTheCapIsAnErrorNamingItsSize() throws Exception {
    byte[] big = new byte[5000];
    System.arraycopy(PNG, 0, big, 0, PNG.length);
    Files.write(ws.resolve("big.png"), big);

    ToolOutput out = call(WorkspaceTools.builder().imageLimitBytes(4096).build().open(ws), "read_file",
        json("path", "big.png"));

    assertTrue(out.isError());
    assertTrue(out.text().contains("5000 bytes") && out.text().contains("4096"), out.text());
    assertTrue(out.images().isEmpty());
  }

  @Test
  void imagesOffRefusesThemAsBinary() throws Exception {
    Files.write(ws.resolve("logo.png"), PNG);

    ToolOutput out = call(WorkspaceTools.builder().imageLimitBytes(0).build().open(ws), "read_file",
        json("path", "logo.png"));

    assertTrue(out.isError());
    assertTrue(out.text().contains("binary"), out.text());
  }

  @Test
  void aBadImageLimitIsRefusedNamingIt() {
    InputException e = assertThrows(InputException.class, () -> WorkspaceTools.builder().imageLimitBytes(-1));
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
  }

  @Test
  void anImageBehindASymlinkOutsideTheWorkspaceIsNotRead(@TempDir Path outside) throws Exception {
    Files.write(outside.resolve("secret.png"), PNG);
    Files.createSymbolicLink(ws.resolve("link.png"), outside.resolve("secret.png"));

    ToolOutput out = call(WorkspaceTools.defaults().open(ws), "read_file", json("path", "link.png"));

    assertTrue(out.isError(), out.text());
    assertTrue(out.images().isEmpty());
  }
}
