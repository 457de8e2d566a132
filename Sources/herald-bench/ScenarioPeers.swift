/// The Python peers of the idle benchmark: whole scripts (no ingest prelude), each printing one JSON
/// line at the end.
enum ScenarioPeers {
    /// `websockets` (asyncio client, ≥ 14 API or the legacy one) holding N idle connections; reports VmRSS before
    /// connecting and once all are open, and how many the server counts.
    static let idle = PythonPeer.Library(
        module: "websockets", distribution: "websockets",
        installHint: "apt-get install python3-websockets (for /usr/bin/python3) or pip install websockets",
        body: idleScript, prelude: "")

    /// Arguments: port, WebSocket URL, connections, seconds to hold before measuring.
    private static let idleScript = #"""
        import asyncio, json, sys, time, urllib.request

        port, url, connections, settle = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])

        try:
            from websockets.asyncio.client import connect  # websockets >= 14
            api = "asyncio"
        except ImportError:
            from websockets import connect
            api = "legacy"

        def status_kib(field):
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])

        def open_on_server():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as response:
                return json.loads(response.read())["open"]

        async def main():
            gate = asyncio.Semaphore(256)

            async def one():
                async with gate:
                    return await connect(url, ping_interval=None, compression=None, open_timeout=120)

            await asyncio.sleep(0)
            before = status_kib("VmRSS")
            t0 = time.perf_counter()
            sockets = await asyncio.gather(*(one() for _ in range(connections)))
            connect_s = time.perf_counter() - t0
            await asyncio.sleep(settle)
            held = status_kib("VmRSS")
            server = await asyncio.to_thread(open_on_server)
            await asyncio.gather(*(ws.close() for ws in sockets))
            print(json.dumps({"api": api, "connections": len(sockets), "rss_before_kib": before, "rss_open_kib": held,
                              "open_on_server": server, "connect_s": connect_s}))

        asyncio.run(main())
        """#
}
