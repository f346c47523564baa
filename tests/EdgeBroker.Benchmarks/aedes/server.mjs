// aedes with its defaults (in-memory persistence), listening on 127.0.0.1:PORT: the benchmark's Node.js peer.
// Usage: node server.mjs --port PORT (after ./setup.sh has installed aedes beside this file).
import net from 'node:net'
import { Aedes } from 'aedes'

const at = process.argv.indexOf('--port')
const port = at >= 0 ? Number(process.argv[at + 1]) : NaN
if (!Number.isInteger(port)) {
  console.error('usage: node server.mjs --port PORT')
  process.exit(2)
}

const broker = await Aedes.createBroker()
const server = net.createServer(broker.handle)
// A client error is the client's, not a broker problem, but the benchmark report shows it next to the figures.
broker.on('clientError', (client, err) => console.error(`warn: client ${client?.id} error: ${err.message}`))
server.listen(port, '127.0.0.1', () => console.log(`aedes listening on 127.0.0.1:${port}`))
