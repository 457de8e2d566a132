extension ScenarioPeers {
    /// `aiohttp`: N actors on one asyncio loop, each with a session of its own (a kept-alive connection for its POSTs)
    /// and a WebSocket of its own on `/ws/actor/n`; each cycles POST → its frame → `json.loads` → id checked until the
    /// time is up.
    static let ramp = PythonPeer.Library(
        module: "aiohttp", distribution: "aiohttp", installHint: "pip install aiohttp", body: rampScript, prelude: "")

    /// Arguments: port, actors, seconds. Prints `{"api","actors","cycles","timeouts","wall","cpu","ns":[…]}`: the
    /// completed cycles, those that did not complete (no matching frame within 10 s, or a POST not answered 200), wall
    /// seconds from the start until the last actor stopped, CPU seconds, and each completed cycle's nanoseconds.
    private static let rampScript = #"""
        import asyncio, json, sys, time
        import aiohttp

        port, actors, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
        endpoint = f"http://127.0.0.1:{port}/echo"
        within = 10.0

        async def actor(n, deadline, ns, missed):
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(f"ws://127.0.0.1:{port}/ws/actor/{n}", autoping=True, compress=0) as ws:
                    k = 0
                    while time.perf_counter() < deadline:
                        t0 = time.perf_counter_ns()
                        async with session.post(endpoint, json={"actor": n, "id": k}) as response:
                            await response.read()
                            answered = response.status == 200
                        due = time.perf_counter() + within
                        while answered:
                            left = due - time.perf_counter()
                            if left <= 0:
                                answered = False
                                break
                            try:
                                message = await ws.receive(timeout=left)
                            except asyncio.TimeoutError:
                                answered = False
                                break
                            if message.type != aiohttp.WSMsgType.TEXT:
                                sys.exit(f"actor {n}: the WebSocket ended ({message.type})")
                            event = json.loads(message.data)
                            if event.get("type") == "echo" and event.get("actor") == n and event.get("id") == k:
                                ns.append(time.perf_counter_ns() - t0)
                                break
                            # A frame of an earlier cycle that came after its window: skipped.
                        if not answered:
                            missed[0] += 1
                        k += 1

        async def main():
            ns, missed = [], [0]
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            await asyncio.gather(*(actor(n, t0 + seconds, ns, missed) for n in range(actors)))
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            print(json.dumps({"api": "asyncio", "actors": actors, "cycles": len(ns), "timeouts": missed[0], "wall": wall,
                              "cpu": cpu, "ns": ns}))

        asyncio.run(main())
        """#
}
