// Scan an entitlement card's QR code with the device's camera where the browser has the
// BarcodeDetector API; otherwise the button stays hidden and the token is typed.
(function () {
  "use strict";
  var button = document.getElementById("scan");
  var video = document.getElementById("camera");
  var field = document.getElementById("search");
  if (!button || !video || !field || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  var stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.hidden = true;
  }

  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      return video.play();
    }).then(function () {
      function look() {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            field.value = codes[0].rawValue;
            stop();
            field.form.requestSubmit();  // the submit event: found offline too
          } else {
            window.requestAnimationFrame(look);
          }
        }).catch(stop);
      }
      look();
    }).catch(stop);
  });
}());
