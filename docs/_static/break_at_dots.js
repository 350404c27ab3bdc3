// API page titles and sidebar entries are dotted names with no spaces
// (sklearn_rnn.datasets.make_sequence_classification): offer a line break
// after each dot, so a long name wraps between its parts, not mid-word.
document.addEventListener("DOMContentLoaded", function () {
  var selector = "h1, .bd-sidenav a, .bd-toc-nav .nav-link, .page-toc .nav-link";
  document.querySelectorAll(selector).forEach(function (element) {
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var parts = node.nodeValue.split(".");
      if (parts.length < 2) return;
      var fragment = document.createDocumentFragment();
      parts.forEach(function (part, i) {
        fragment.appendChild(document.createTextNode(i < parts.length - 1 ? part + "." : part));
        if (i < parts.length - 1) fragment.appendChild(document.createElement("wbr"));
      });
      node.parentNode.replaceChild(fragment, node);
    });
  });
});
