/// The Python peers of the idle and trigger benchmarks: whole scripts (no ingest prelude), each printing one JSON
/// line at the end.
enum ScenarioPeers {
    /// `websockets` (asyncio client, ≥ 14 API or the legacy one) holding N idle connections; reports VmRSS before
    /// connecting and once all are open, and how many the server counts.
    static let idle = PythonPeer.Library(
        module: "websockets", distribution: "websockets",
        installHint: "apt-get install python3-websockets (for /usr/bin/python3) or pip install websockets",
        body: idleScript, prelude: "")

    /// `aiohttp`: one session (a kept-alive connection for the POSTs) and one WebSocket; each cycle POSTs, awaits the
    /// frame, `json.loads` it and checks its id.
    static let trigger = PythonPeer.Library(
        module: "aiohttp", distribution: "aiohttp", installHint: "pip install aiohttp", body: triggerScript, prelude: "")

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

    /// Arguments: port, WebSocket URL, warm-up cycles, measured cycles.
    private static let triggerScript = #"""
        import asyncio, json, sys, time
        import aiohttp

        port, url, warmup, cycles = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        endpoint = f"http://127.0.0.1:{port}/echo"

        async def main():
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(url, autoping=True, compress=0) as ws:
                    async def cycle(k):
                        t0 = time.perf_counter_ns()
                        async with session.post(endpoint, json={"id": k}) as response:
                            await response.read()
                            if response.status != 200:
                                sys.exit(f"POST {k}: status {response.status}")
                        message = await ws.receive()
                        event = json.loads(message.data)
                        if event.get("type") != "echo" or event.get("id") != k:
                            sys.exit(f"cycle {k}: unexpected frame {message.data!r}")
                        return time.perf_counter_ns() - t0

                    for k in range(warmup):
                        await cycle(k)
                    cpu0 = time.process_time()
                    ns = [await cycle(warmup + k) for k in range(cycles)]
                    cpu = time.process_time() - cpu0
            print(json.dumps({"api": "asyncio", "cycles": cycles, "cpu": cpu, "ns": ns}))

        asyncio.run(main())
        """#
}
