// Tally's one script: times in the viewer's zone, and the overview's chart (uPlot) when the page has one.
(function () {
  document.querySelectorAll('time[datetime]').forEach(function (node) {
    var when = new Date(node.getAttribute('datetime'));
    if (!isNaN(when.getTime())) node.textContent = node.dataset.day ? when.toLocaleDateString() : when.toLocaleString();
  });
  var chart = document.getElementById('daily-chart');
  if (!chart || !chart.dataset.series || typeof uPlot === 'undefined') return;
  var series = JSON.parse(chart.dataset.series);
  var width = function () { return Math.max(280, chart.clientWidth); };
  var plot = new uPlot(
    {
      width: width(),
      height: 240,
      series: [{}].concat(series.labels.map(function (label, index) {
        return { label: label, stroke: ['#1d4ed8', '#059669', '#dc2626'][index % 3], width: 2 };
      })),
      axes: [{}, { size: 60 }],
    },
    [series.days].concat(series.values),
    chart,
  );
  window.addEventListener('resize', function () { plot.setSize({ width: width(), height: 240 }); });
})();
