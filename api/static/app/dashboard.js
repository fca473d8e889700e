// The dashboard's scripts: the ward map with its heat toggle, and the trend chart.

import { pageData } from "./format.js";
import { wardMap } from "./map.js";
import { drawTrend } from "./trend.js";

const data = pageData();
wardMap(document.getElementById("map"), data, { controls: document.querySelector(".layers") });
drawTrend(document.getElementById("trend"), data);
