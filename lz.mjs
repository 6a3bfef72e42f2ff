import { parser } from '@prometheus-io/lezer-promql';
for (const q of process.argv.slice(2)) {
  const t = parser.parse(q); let out=''; let depth=0;
  t.iterate({enter:(n)=>{ out += '  '.repeat(depth++) + n.name + ' ' + JSON.stringify(q.slice(n.from,n.to)).slice(0,40) + '\n'; }, leave:()=>{depth--;}});
  console.log(out);
}
