// The dashboard's charting library: Chart.js with only what its two charts use (a line chart of
// the daily series, a bar chart per department), registered once. Bundled by build.mjs into
// backoffice/web/dashboard/dist/chart.js, an ES module the page imports (charts.js there).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export { Chart };
