'use strict';
// Paths where a build of the addon may be found, most specific first. @amc/kernels does the loading and
// reports every path it tried; this file only tells it where this package keeps its builds.
const path = require('node:path');
module.exports = {
  root: __dirname,
  candidates: [
    path.join(__dirname, 'build', 'Release', 'amc_native.node'),
    path.join(__dirname, 'build', 'Debug', 'amc_native.node'),
  ],
};
