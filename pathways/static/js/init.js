// Start GOV.UK Frontend components (error summaries, header menu and so on).
import { initAll } from '/static/dist/govuk-frontend.min.js'

initAll()
