// Evidence workload (JVM): a small HTTP service. Starts com.sun.net.httpserver with a pool of THREADS
// threads, serves REQUESTS requests to itself (so classes load and the JIT compiles), and exits 0, so
// -XX:+PrintNMTStatistics prints the JVM's native memory at exit (scripts/jvm-nmt.ts).
// Usage: java -cp DIR Service THREADS [REQUESTS]
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URL;
import java.util.concurrent.Executors;

public final class Service {
  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[0]);
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = ("ok " + exchange.getRequestURI()).getBytes();
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) { out.write(body); }
    });
    java.util.concurrent.ThreadPoolExecutor pool = (java.util.concurrent.ThreadPoolExecutor) Executors.newFixedThreadPool(threads);
    // Every pool thread started, so each has a stack the way a busy service's pool has.
    pool.prestartAllCoreThreads();
    server.setExecutor(pool);
    server.start();
    int port = server.getAddress().getPort();
    for (int i = 0; i < requests; i++) {
      HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/r" + i).openConnection();
      try (InputStream in = connection.getInputStream()) { in.readAllBytes(); }
    }
    server.stop(0);
    System.out.println("served " + requests);
    System.exit(0);
  }
}
