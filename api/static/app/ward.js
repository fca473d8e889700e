// A ward's page: the map, centred on the ward, among its neighbours.

import { pageData } from "./format.js";
import { wardMap } from "./map.js";

const data = pageData();
wardMap(document.getElementById("map"), data, { focusWard: data.ward });
