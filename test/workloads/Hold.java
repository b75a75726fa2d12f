// Evidence workload (JVM): holds MIB mebibytes of Java heap in 1 MiB byte arrays, each written so the
// pages are really resident, keeps them for HOLD_MS and exits 0.
// Usage: java -cp DIR Hold MIB [HOLD_MS]
import java.util.ArrayList;
import java.util.List;

public final class Hold {
  public static void main(String[] args) throws InterruptedException {
    int mib = Integer.parseInt(args[0]);
    long holdMs = args.length > 1 ? Long.parseLong(args[1]) : 300;
    List<byte[]> held = new ArrayList<>();
    for (int i = 0; i < mib; i++) {
      byte[] chunk = new byte[1024 * 1024];
      for (int j = 0; j < chunk.length; j += 512) chunk[j] = (byte) (i + j + 1);
      held.add(chunk);
    }
    Thread.sleep(holdMs);
    System.out.println("held " + held.size() + " MiB");
  }
}
