/// The Python peer of each transport: which library, how to get it, and the script's body, which runs after
/// `PythonPeer.prelude` with `url`, `target` and `frames` from its arguments.
///
/// Each body connects and subscribes, waits until the server confirms the subscription, starts the clock, triggers
/// the burst, calls `json.loads` on every frame, and reports when the last one is parsed.
extension IngestTransport {
    /// The peer's library and script.
    var peerLibrary: PythonPeer.Library {
        switch self {
        case .websocket:
            PythonPeer.Library(module: "websockets", distribution: "websockets",
                               installHint: "apt-get install python3-websockets (for /usr/bin/python3) or pip install websockets",
                               body: Self.websocketPeer)
        case .nats:
            PythonPeer.Library(module: "nats", distribution: "nats-py", installHint: "pip install nats-py", body: Self.natsPeer)
        case .redis:
            PythonPeer.Library(module: "redis", distribution: "redis",
                               installHint: "apt-get install python3-redis (for /usr/bin/python3) or pip install redis",
                               body: Self.redisPeer)
        case .mqtt:
            PythonPeer.Library(module: "paho.mqtt.client", distribution: "paho-mqtt",
                               installHint: "apt-get install python3-paho-mqtt (for /usr/bin/python3) or pip install paho-mqtt",
                               body: Self.mqttPeer)
        }
    }

    /// `websockets`: the sync client (websockets ≥ 11), else the asyncio one; `url` is the WebSocket's.
    private static let websocketPeer = #"""
        import websockets

        try:
            from websockets.sync.client import connect  # websockets >= 11
        except ImportError:
            connect = None

        if connect is not None:
            cpu0 = time.process_time()
            with connect(url, max_size=None, compression=None) as ws:
                t0 = time.perf_counter()
                trigger()
                for _ in range(frames):
                    json.loads(ws.recv())
                report("sync", cpu0, t0)
        else:
            import asyncio

            async def main():
                cpu0 = time.process_time()
                async with websockets.connect(url, max_size=None, compression=None) as ws:
                    t0 = time.perf_counter()
                    trigger()
                    for _ in range(frames):
                        json.loads(await ws.recv())
                    report("asyncio", cpu0, t0)

            asyncio.run(main())
        """#

    /// `nats-py` (asyncio only): a subscription with a callback; the flush confirms the SUB.
    private static let natsPeer = #"""
        import asyncio
        import nats

        async def main():
            cpu0 = time.process_time()
            nc = await nats.connect(url, allow_reconnect=False)
            done = asyncio.get_running_loop().create_future()
            received = 0

            async def on_message(msg):
                nonlocal received
                json.loads(msg.data)
                received += 1
                if received == frames:
                    report("asyncio", cpu0, t0)
                    done.set_result(None)

            await nc.subscribe(target, cb=on_message)
            await nc.flush()
            t0 = time.perf_counter()
            trigger()
            await done
            await nc.close()

        asyncio.run(main())
        """#

    /// `redis` (redis-py): the blocking pub/sub client; the first message is the SUBSCRIBE confirmation.
    private static let redisPeer = #"""
        import redis

        cpu0 = time.process_time()
        client = redis.Redis.from_url(url)
        pubsub = client.pubsub()
        pubsub.subscribe(target)
        confirmation = pubsub.get_message(timeout=10)
        if not confirmation or confirmation["type"] != "subscribe":
            sys.exit(f"no SUBSCRIBE confirmation: {confirmation!r}")
        parser = "hiredis parser" if getattr(getattr(redis, "utils", None), "HIREDIS_AVAILABLE", False) else "Python parser"
        t0 = time.perf_counter()
        trigger()
        received = 0
        for message in pubsub.listen():
            if message["type"] == "message":
                json.loads(message["data"])
                received += 1
                if received == frames:
                    break
        report(f"sync, {parser}", cpu0, t0)
        pubsub.close()
        """#

    /// `paho-mqtt` (1.x or 2.x): its network loop on this thread, QoS 0; the SUBACK confirms the subscription.
    private static let mqttPeer = #"""
        import paho.mqtt.client as mqtt

        cpu0 = time.process_time()
        address = urllib.parse.urlsplit(url)
        if hasattr(mqtt, "CallbackAPIVersion"):  # paho-mqtt >= 2
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        else:
            client = mqtt.Client()
        state = {"subscribed": False, "received": 0}

        def on_subscribe(*args):
            state["subscribed"] = True

        def on_message(client, userdata, message):
            json.loads(message.payload)
            state["received"] += 1
            if state["received"] == frames:
                report("loop_forever", cpu0, t0)
                client.disconnect()

        client.on_subscribe = on_subscribe
        client.on_message = on_message
        client.connect(address.hostname, address.port)
        client.subscribe(target, qos=0)
        deadline = time.monotonic() + 10
        while not state["subscribed"]:
            if client.loop(timeout=1.0) != 0 or time.monotonic() > deadline:
                sys.exit("no SUBACK from the broker")
        t0 = time.perf_counter()
        trigger()
        client.loop_forever()
        if state["received"] != frames:
            sys.exit(f"the connection ended after {state['received']} of {frames} messages")
        """#
}
