/**
 * A browser for the Connect OAuth flow: one request at a time without following redirects, with
 * a cookie jar that keeps what each origin sets (honouring Path and Max-Age=0) and sends it back
 * only to that origin and path, as a browser does. Node's fetch has no jar of its own.
 */
export class ConnectBrowser {
  private readonly jar = new Map<string, { origin: string; path: string; name: string; value: string }>();

  /** One request; the response's Set-Cookie headers go into the jar. */
  async open(target: string | URL): Promise<Response> {
    const url = new URL(target);
    const cookie = this.cookiesFor(url).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) this.store(url, line);
    return response;
  }

  /** Follows redirects from `target` to the first answer that is not one, as a browser's address bar does. */
  async visit(target: string | URL): Promise<Response> {
    let url = new URL(target);
    for (let hops = 0; hops < 10; hops++) {
      const response = await this.open(url);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      url = new URL(location, url);
    }
    throw new Error(`Too many redirects from ${target}`);
  }

  /** The `name=value` pairs this browser would send to `url`. */
  cookiesFor(url: URL): string[] {
    return [...this.jar.values()]
      .filter((cookie) => cookie.origin === url.origin && url.pathname.startsWith(cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`);
  }

  private store(url: URL, line: string) {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator);
    const attribute = (wanted: string) =>
      attributes.find((part) => part.toLowerCase().startsWith(`${wanted.toLowerCase()}=`))?.split('=')[1];
    const path = attribute('Path') ?? '/';
    const id = `${url.origin} ${path} ${name}`;
    if (attribute('Max-Age') === '0') this.jar.delete(id);
    else this.jar.set(id, { origin: url.origin, path, name, value: pair.slice(separator + 1) });
  }
}
