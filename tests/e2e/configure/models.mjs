// Issue 17: the browser steps of the models page(s); run(t) is called by console.mjs.
export async function run(t) {}
