import json,sys,datetime,collections
def ms(e): return datetime.datetime.fromisoformat(e['ts'].replace('Z','+00:00')).timestamp()*1000
DOWN={"runtime_exited","restart_decided","runtime_stopped","paused","port_in_use","launch_failed","launch_refused"}
up=False; ep=None; eps=[]
for l in open(sys.argv[1]):
    e=json.loads(l); ev=e['event']; s=e.get('server')
    if ev=='supervisor_started':
        if ep: eps.append(ep)
        up=False; ep={'start':ms(e),'why':'supervisor_started','stops':{}}
        continue
    if s=='base':
        if ev in('runtime_healthy','runtime_adopted'):
            if ep: ep['up']=ms(e); eps.append(ep); ep=None
            up=True
        elif ev in DOWN and up:
            up=False; ep={'start':ms(e),'why':ev+('/'+e.get('reason','') if e.get('reason') else ''),'stops':{}}
    elif s in('ui','api') and ep and ev=='runtime_stopped':
        ep['stops'].setdefault(s, ms(e)-ep['start'])
stops=[v for x in eps for v in x['stops'].values()]
downs=[x['up']-x['start'] for x in eps if 'up' in x]
print(len(eps),'base down episodes (daemon starts incl.);', sum(1 for x in eps if x['stops']),'with dependents stopped;',len(stops),'dependent stops')
stops.sort(); downs.sort()
pct=lambda a,p: a[min(len(a)-1,int(len(a)*p))] if a else None
print('base down -> dependent runtime_stopped ms: p50',pct(stops,.5),'max',stops[-1] if stops else None)
print('base down -> base healthy ms: p50',pct(downs,.5),'max',downs[-1] if downs else None)
print(collections.Counter(x['why'] for x in eps))
