export { ramDelius, run } from "./cli.js"
export { appointmentRows, referralRows } from "./inspect.js"
